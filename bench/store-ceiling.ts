import { decodeTraces } from '../collector/otlp/otlp-codec.js';
import { DEFAULT_DECODE_LIMITS } from '../collector/otlp/decode-limits.js';
import { normalizeRequest } from '../collector/normalize/normalize-request.js';
import { createPricing } from '../collector/pricing/pricing.js';
import type { EntryRecord } from '../model/ledger-entry.js';
import { createSqliteStore } from '../exporters/sqlite/sqlite-store.js';
import { readCorpus } from './corpus.js';

/**
 * The store's own write ceiling: the same rows, decoded and normalised
 * beforehand (untimed), written straight into a fresh store in the server's
 * batch size. Only the writes are timed.
 */
export async function measureStoreCeiling(
  corpusFile: string,
  dbFile: string,
  batchRows: number,
  fulltext = true,
  totalRows = Infinity,
): Promise<{ rows: number; seconds: number; rowsPerSecond: number; lastTenthRowsPerSecond: number }> {
  const store = await createSqliteStore({ file: dbFile, writer: 'inline', fulltext });
  const pricing = createPricing({});
  let batch: EntryRecord[] = [];
  let rows = 0;
  let writeMs = 0;
  let tenth: { rows: number; ms: number } | null = null;
  const flush = async () => {
    const t = performance.now();
    await store.write(batch);
    writeMs += performance.now() - t;
    rows += batch.length;
    batch = [];
    if (!tenth && rows >= totalRows * 0.9) tenth = { rows, ms: writeMs };
  };
  for await (const req of readCorpus(corpusFile)) {
    const { spans } = decodeTraces(req.body, 'protobuf', DEFAULT_DECODE_LIMITS);
    batch.push(...normalizeRequest(spans, { organizationId: 'default', userId: null, pricing, maxJsonDepth: 64 }));
    if (batch.length >= batchRows) await flush();
  }
  if (batch.length) await flush();
  await store.close();
  const last = tenth as { rows: number; ms: number } | null;
  return {
    rows,
    seconds: writeMs / 1000,
    rowsPerSecond: rows / (writeMs / 1000),
    lastTenthRowsPerSecond: last && writeMs > last.ms ? (rows - last.rows) / ((writeMs - last.ms) / 1000) : rows / (writeMs / 1000),
  };
}
