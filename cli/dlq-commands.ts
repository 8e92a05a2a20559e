import type { Config } from '../config/index.js';
import { listDeadLetters, replayDeadLetters, withDeadLetters } from '../collector/queue/dead-letters.js';
import { UsageError } from './credential-commands.js';

/** `agent-ledger dlq list` and `agent-ledger dlq replay <id…>|--all`: the BullMQ jobs that kept failing. */
export async function runDlqCommand(config: Config, verb: string | undefined, args: string[], all: boolean, out: (text: string) => void): Promise<void> {
  if (!config.redis_url) throw new UsageError('the dead-letter queue lives in Redis: set REDIS_URL');
  await withDeadLetters(config.redis_url, config.queue.prefix, async (queue) => {
    if (verb === 'list') {
      const letters = await listDeadLetters(queue);
      for (const letter of letters) out(`${JSON.stringify(letter)}\n`);
      if (!letters.length) process.stderr.write('no dead letters\n');
    } else if (verb === 'replay') {
      if (!all && !args.length) throw new UsageError('usage: agent-ledger dlq replay <job id…> | --all');
      const replayed = await replayDeadLetters(queue, all ? 'all' : args);
      out(`replayed ${replayed} job(s)\n`);
    } else {
      throw new UsageError('usage: agent-ledger dlq list | dlq replay <job id…> | dlq replay --all');
    }
  });
}
