import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { DEAD_LETTER_DIR, DeadLetterDir } from '../collector/queue/dead-letter-dir.js';
import { listDeadLetters, replayDeadLetters, withDeadLetters } from '../collector/queue/dead-letters.js';
import { createStore } from '../exporters/create-store.js';
import { UsageError } from './credential-commands.js';

const USAGE = 'usage: agent-ledger dlq list | dlq replay <id…> | dlq replay --all';

/**
 * `agent-ledger dlq list` and `agent-ledger dlq replay <id…>|--all`: the
 * BullMQ jobs that kept failing, or without Redis the writes the embedded
 * queue parked in data_dir/dead-letters.
 */
export async function runDlqCommand(config: Config, verb: string | undefined, args: string[], all: boolean, out: (text: string) => void): Promise<void> {
  if (!config.redis_url) return runEmbeddedDlqCommand(config, verb, args, all, out);
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
      throw new UsageError(USAGE);
    }
  });
}

async function runEmbeddedDlqCommand(config: Config, verb: string | undefined, args: string[], all: boolean, out: (text: string) => void): Promise<void> {
  const letters = new DeadLetterDir(join(resolve(config.data_dir), DEAD_LETTER_DIR));
  if (verb === 'list') {
    const parked = await letters.list();
    for (const { entries, ...letter } of parked) out(`${JSON.stringify({ ...letter, entries: entries.length, attempts: 1 })}\n`);
    if (!parked.length) process.stderr.write('no dead letters\n');
  } else if (verb === 'replay') {
    if (!all && !args.length) throw new UsageError('usage: agent-ledger dlq replay <id…> | --all');
    const chosen = (await letters.list()).filter((l) => all || args.includes(l.id));
    const store = await createStore(config, { writer: 'inline' });
    let replayed = 0;
    try {
      // a letter the store still refuses stays parked (the error says why)
      for (const letter of chosen) {
        await store.ledger.write(letter.entries);
        await letters.remove(letter.id);
        replayed++;
      }
    } finally {
      out(`replayed ${replayed} dead letter(s)\n`);
      await store.close();
    }
  } else {
    throw new UsageError(USAGE);
  }
}
