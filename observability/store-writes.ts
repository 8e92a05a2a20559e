import { PermanentStoreError, type LedgerStore, type WriteResult } from '../exporters/store.js';
import type { EntryRecord } from '../model/ledger-entry.js';
import type { StoreMetrics } from './metrics.js';

/** One store write, counted and timed (the queue's and the BullMQ worker's single path to the store). */
export async function measuredWrite(store: LedgerStore, entries: EntryRecord[], metrics: StoreMetrics | undefined): Promise<WriteResult> {
  if (!metrics) return store.write(entries);
  const end = metrics.duration.startTimer();
  try {
    const result = await store.write(entries);
    end();
    metrics.batches.inc();
    metrics.rows.inc(entries.length);
    metrics.inserted.inc(result.inserted);
    return result;
  } catch (err) {
    end();
    metrics.errors.inc({ kind: err instanceof PermanentStoreError ? 'permanent' : 'transient' });
    throw err;
  }
}
