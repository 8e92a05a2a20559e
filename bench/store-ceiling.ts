import { decodeTraces } from '../collector/otlp/otlp-codec.js';
import { DEFAULT_DECODE_LIMITS } from '../collector/otlp/decode-limits.js';
import { normalizeRequest } from '../collector/normalize/normalize-request.js';
import { createPricing } from '../collector/pricing/pricing.js';
import type { EntryRecord } from '../model/ledger-entry.js';
import { createSqliteStore } from '../exporters/sqlite/sqlite-store.js';
import { configSchema } from '../config/index.js';
import { DEFAULT_IN_FLIGHT_BATCHES } from '../collector/queue/in-process-queue.js';
import { readCorpus } from './corpus.js';

/** The largest commit the server makes with its default settings: the batches its queue hands the writer at once. */
export const SERVER_COMMIT_ROWS = DEFAULT_IN_FLIGHT_BATCHES * configSchema.parse({}).queue.batch_max_rows;

export interface CeilingOptions {
  /** Rows a transaction (default SERVER_COMMIT_ROWS). */
  batchRows?: number;
  fulltext?: boolean;
  /** The corpus size, for the rate over its last tenth. */
  totalRows?: number;
  /** Stop writing after this many seconds of writes (the rows reached are reported). */
  budgetSeconds?: number;
  /** Report the rate over each step of this many rows, to show how it changes as the store grows. */
  curveStep?: number;
}

export interface CeilingResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  lastTenthRowsPerSecond: number;
  /** True when the budget ran out before the corpus did. */
  stoppedByBudget: boolean;
  curve: Array<{ upToRows: number; rowsPerSecond: number }>;
}

/**
 * The store's own write ceiling: the same rows, decoded and normalised
 * beforehand (untimed), written straight into a fresh store in the server's
 * largest commit. Only the writes are timed.
 */
export async function measureStoreCeiling(corpusFile: string, dbFile: string, options: CeilingOptions): Promise<CeilingResult> {
  const { batchRows = SERVER_COMMIT_ROWS, fulltext = true, totalRows = Infinity, budgetSeconds = Infinity, curveStep = 1_000_000 } = options;
  const store = await createSqliteStore({ file: dbFile, writer: 'inline', fulltext });
  const pricing = createPricing({});
  let batch: EntryRecord[] = [];
  let rows = 0;
  let writeMs = 0;
  let tenth: { rows: number; ms: number } | null = null;
  let step = { rows: 0, ms: 0 };
  const curve: CeilingResult['curve'] = [];
  const flush = async () => {
    const t = performance.now();
    await store.ledger.write(batch);
    writeMs += performance.now() - t;
    rows += batch.length;
    batch = [];
    if (!tenth && rows >= totalRows * 0.9) tenth = { rows, ms: writeMs };
    if (rows - step.rows >= curveStep) {
      curve.push({ upToRows: rows, rowsPerSecond: (rows - step.rows) / ((writeMs - step.ms) / 1000) });
      step = { rows, ms: writeMs };
    }
  };
  let stoppedByBudget = false;
  for await (const req of readCorpus(corpusFile)) {
    const { spans } = decodeTraces(req.body, 'protobuf', DEFAULT_DECODE_LIMITS);
    batch.push(...normalizeRequest(spans, { organizationId: 'default', userId: null, pricing, maxJsonDepth: 64 }));
    if (batch.length >= batchRows) await flush();
    if (writeMs / 1000 >= budgetSeconds) {
      stoppedByBudget = true;
      break;
    }
  }
  if (batch.length && !stoppedByBudget) await flush();
  await store.close();
  const last = tenth as { rows: number; ms: number } | null;
  const overall = rows / (writeMs / 1000);
  return {
    rows,
    seconds: writeMs / 1000,
    rowsPerSecond: overall,
    lastTenthRowsPerSecond: last && writeMs > last.ms ? (rows - last.rows) / ((writeMs - last.ms) / 1000) : overall,
    stoppedByBudget,
    curve,
  };
}
