import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { DEAD_LETTER_DIR, DeadLetterDir } from '../collector/queue/dead-letter-dir.js';
import { listDeadLetters, replayDeadLetters, withDeadLetters } from '../collector/queue/dead-letters.js';
import { openStore } from './cli-store.js';
import { UsageError } from './command-line.js';
import { createProgress } from './progress.js';

/** Replayed n of m, on stderr as it goes. */
function replayProgress() {
  const progress = createProgress();
  return { step: (done: number, total: number) => progress.update(`replayed ${done} of ${total}`), done: () => progress.done() };
}

/**
 * `agent-ledger dlq list` and `agent-ledger dlq replay <id…>|--all`: the
 * BullMQ jobs that kept failing, or without Redis the writes the embedded
 * queue parked in data_dir/dead-letters.
 */
export async function runDlqCommand(config: Config, verb: string | undefined, args: string[], all: boolean, out: (text: string) => void): Promise<void> {
  if (verb === 'replay' && all === (args.length > 0)) throw new UsageError(all ? 'give ids or --all, not both' : 'dlq replay needs ids or --all', 'dlq replay');
  if (!config.redis_url) return runEmbeddedDlqCommand(config, verb, args, all, out);
  await withDeadLetters(config.redis_url, config.queue.prefix, async (queue) => {
    if (verb === 'list') {
      const letters = await listDeadLetters(queue);
      for (const letter of letters) out(`${JSON.stringify(letter)}\n`);
      if (!letters.length) process.stderr.write('no dead letters\n');
    } else {
      const progress = replayProgress();
      const replayed = await replayDeadLetters(queue, all ? 'all' : args, progress.step).finally(progress.done);
      out(`replayed ${replayed} job(s)\n`);
    }
  });
}

async function runEmbeddedDlqCommand(config: Config, verb: string | undefined, args: string[], all: boolean, out: (text: string) => void): Promise<void> {
  const letters = new DeadLetterDir(join(resolve(config.data_dir), DEAD_LETTER_DIR));
  if (verb === 'list') {
    const parked = await letters.list();
    for (const { entries, log_messages, ...letter } of parked) {
      out(`${JSON.stringify({ ...letter, entries: entries.length, ...(log_messages ? { log_messages: log_messages.length } : {}), attempts: 1 })}\n`);
    }
    if (!parked.length) process.stderr.write('no dead letters\n');
    return;
  }
  const chosen = (await letters.list()).filter((l) => all || args.includes(l.id));
  const store = await openStore(config, 'inline');
  const progress = replayProgress();
  let replayed = 0;
  try {
    // a letter the store still refuses stays parked (the error says why)
    for (const letter of chosen) {
      if (letter.entries.length) await store.ledger.write(letter.entries);
      if (letter.log_messages?.length) await store.ledger.writeLogMessages(letter.log_messages);
      await letters.remove(letter.id);
      progress.step(++replayed, chosen.length);
    }
  } finally {
    progress.done();
    out(`replayed ${replayed} dead letter(s)\n`);
    await store.close();
  }
}
