import type { Logger } from 'pino';
import type { LedgerStore } from '../../exporters/store.js';
import type { LogMessageRecord } from '../../model/log-message.js';

/** After a batch's entries: its GenAI log events, for the entries of their spans. */
export async function writeLogMessages(store: LedgerStore, messages: LogMessageRecord[], logger: Logger): Promise<void> {
  if (messages.length === 0) return;
  if (!store.writeLogMessages) {
    // Elasticsearch does not join them yet: said loudly, once per batch, rather than retried forever.
    logger.error({ messages: messages.length }, 'this store does not keep GenAI events from OTLP logs; they were not stored');
    return;
  }
  await store.writeLogMessages(messages);
}
