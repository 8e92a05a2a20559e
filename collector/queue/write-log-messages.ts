import type { Logger } from 'pino';
import { PermanentStoreError, type LedgerStore } from '../../exporters/store.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import type { DeadLetterSink } from './dead-letter-dir.js';

/**
 * After a batch's entries: its GenAI log events, for the entries of their
 * spans. Events the store refuses for good (it stored the others first) are
 * parked with `deadLetters` when given (the embedded queue), else thrown
 * (BullMQ parks the job): never dropped, never retried forever.
 */
export async function writeLogMessages(store: LedgerStore, messages: LogMessageRecord[], logger: Logger, deadLetters?: DeadLetterSink): Promise<void> {
  if (messages.length === 0) return;
  try {
    await store.writeLogMessages(messages);
  } catch (err) {
    if (!(err instanceof PermanentStoreError) || !deadLetters) throw err;
    // replaying the letter is harmless: events already stored are the same documents
    await deadLetters.park([], err.message, messages);
    logger.error({ err: err.message, messages: messages.length }, 'store refused GenAI log events for good; parked in the dead-letter set');
  }
}
