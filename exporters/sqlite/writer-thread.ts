import { parentPort, workerData } from 'node:worker_threads';
import { openLedgerWriter } from './ledger-writer.js';
import { sweepExpiredEntries, type EntrySweep } from './partition-retention.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import type { WriteRow } from './write-row.js';

/**
 * The ledger's one writer (partitioned-writer.ts), off the main event loop
 * so queries stay fast during ingest. Batches that arrive while one commits
 * are grouped into the next transaction: one fsync per partition touched
 * acknowledges them all (group commit). Retention of entries runs here too:
 * only the writer may delete a partition it writes.
 */
export interface WriterThreadOptions {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  fulltext: boolean;
  trustHalfLifeDays: number;
  cacheMib: number;
}

export interface SweepRequest {
  now_us: number;
  default_days: number;
  batch_size: number;
}

export type WriterRequest =
  | { seq: number; rows: WriteRow[] }
  | { seq: number; logMessages: LogMessageRecord[] }
  | { seq: number; sweep: SweepRequest } | { close: true };
export type WriterReply =
  | { ready: true }
  | { log: string }
  | { seq: number; inserted: number }
  | { seq: number; joined: true }
  | { seq: number; swept: EntrySweep }
  | { seq: number; error: string };

const { file, synchronous, fulltext, trustHalfLifeDays, cacheMib } = workerData as WriterThreadOptions;
const port = parentPort!;
// a long start (a single-file ledger moving into partitions) says how far it is
const { catalog, writer } = openLedgerWriter(file, { synchronous, fulltext, trustHalfLifeDays, cacheMib }, (log) =>
  port.postMessage({ log } satisfies WriterReply),
);
let pending: Array<{ seq: number; rows: WriteRow[] }> = [];
let scheduled = false;
let writesSinceOptimize = 0;

// The planner needs current statistics to pick the right index as a partition
// grows; `PRAGMA optimize` re-analyses only what changed, with a bounded cost.
const OPTIMIZE_EVERY_WRITES = 200;

function flush(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  try {
    const inserted = writer.writeGroups(batch.map((b) => b.rows));
    batch.forEach((b, i) => port.postMessage({ seq: b.seq, inserted: inserted[i] } satisfies WriterReply));
    if (++writesSinceOptimize >= OPTIMIZE_EVERY_WRITES) {
      writesSinceOptimize = 0;
      writer.optimize();
    }
  } catch (err) {
    for (const b of batch) port.postMessage({ seq: b.seq, error: (err as Error).message } satisfies WriterReply);
  }
}

port.on('message', (msg: WriterRequest) => {
  if ('close' in msg) {
    if (pending.length) flush();
    writer.close();
    catalog.close();
    port.close();
    return;
  }
  if ('sweep' in msg) {
    if (pending.length) flush();
    try {
      port.postMessage({ seq: msg.seq, swept: sweepExpiredEntries(writer, catalog, msg.sweep) } satisfies WriterReply);
    } catch (err) {
      port.postMessage({ seq: msg.seq, error: (err as Error).message } satisfies WriterReply);
    }
    return;
  }
  if ('logMessages' in msg) {
    if (pending.length) flush();
    try {
      writer.writeLogMessages(msg.logMessages);
      port.postMessage({ seq: msg.seq, joined: true } satisfies WriterReply);
    } catch (err) {
      port.postMessage({ seq: msg.seq, error: (err as Error).message } satisfies WriterReply);
    }
    return;
  }
  pending.push(msg);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
port.postMessage({ ready: true } satisfies WriterReply);
