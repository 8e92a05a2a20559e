import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './driver.js';
import { EntryWriter } from './entry-writer.js';
import { configureConnection, migrate } from './schema.js';
import type { WriteRow } from './write-row.js';

/**
 * The SQLite writer, off the main event loop so queries stay fast during
 * ingest. Batches that arrive while one commits are grouped into the next
 * transaction: one fsync acknowledges them all (group commit).
 */
export interface WriterThreadOptions {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  fulltext: boolean;
  trustHalfLifeDays: number;
  cacheMib: number;
}

export type WriterRequest = { seq: number; rows: WriteRow[] } | { close: true };
export type WriterReply = { ready: true } | { seq: number; inserted: number } | { seq: number; error: string };

const { file, synchronous, fulltext, trustHalfLifeDays, cacheMib } = workerData as WriterThreadOptions;
const db = openDatabase(file);
configureConnection(db, synchronous, cacheMib);
migrate(db);
const writer = new EntryWriter(db, { fulltext, trustHalfLifeDays });
const port = parentPort!;
let pending: Array<{ seq: number; rows: WriteRow[] }> = [];
let scheduled = false;
let writesSinceOptimize = 0;

// The planner needs current statistics to pick the right index as the table
// grows; `PRAGMA optimize` re-analyses only what changed, with a bounded cost.
const OPTIMIZE_EVERY_WRITES = 200;
db.pragma('analysis_limit = 1000');
db.pragma('optimize = 0x10002');

function flush(): void {
  scheduled = false;
  const batch = pending;
  pending = [];
  try {
    const inserted = writer.writeGroups(batch.map((b) => b.rows));
    batch.forEach((b, i) => port.postMessage({ seq: b.seq, inserted: inserted[i] } satisfies WriterReply));
    if (++writesSinceOptimize >= OPTIMIZE_EVERY_WRITES) {
      writesSinceOptimize = 0;
      db.pragma('optimize');
    }
  } catch (err) {
    for (const b of batch) port.postMessage({ seq: b.seq, error: (err as Error).message } satisfies WriterReply);
  }
}

port.on('message', (msg: WriterRequest) => {
  if ('close' in msg) {
    if (pending.length) flush();
    db.close();
    port.close();
    return;
  }
  pending.push(msg);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
port.postMessage({ ready: true } satisfies WriterReply);
