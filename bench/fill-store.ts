import { parseArgs } from 'node:util';
import { decodeTraces } from '../collector/otlp/otlp-codec.js';
import { DEFAULT_DECODE_LIMITS } from '../collector/otlp/decode-limits.js';
import { normalizeRequest } from '../collector/normalize/normalize-request.js';
import { createPricing } from '../collector/pricing/pricing.js';
import { createSqliteStore } from '../exporters/sqlite/sqlite-store.js';
import type { EntryRecord } from '../model/ledger-entry.js';
import { readCorpus } from './corpus.js';

/**
 * Fills a store from a bench corpus with the server's writer (a worker
 * thread), as fast as it takes them, for profiling reads on a ledger of a
 * given size: `node dist/bench/fill-store.js --corpus FILE --file DIR/ledger.db`.
 */
const { values } = parseArgs({ options: { corpus: { type: 'string' }, file: { type: 'string' }, rows: { type: 'string', default: '0' } } });
const store = await createSqliteStore({ file: values.file!, writer: 'thread' });
const pricing = createPricing({});
const limit = Number(values.rows) || Infinity;
let rows = 0;
let batch: EntryRecord[] = [];
const t = performance.now();
for await (const req of readCorpus(values.corpus!)) {
  const { spans } = decodeTraces(req.body, 'protobuf', DEFAULT_DECODE_LIMITS);
  batch.push(...normalizeRequest(spans, { organizationId: 'default', userId: null, pricing, maxJsonDepth: 64 }));
  if (batch.length >= 5000) {
    await store.ledger.write(batch);
    rows += batch.length;
    batch = [];
    if (rows >= limit) break;
  }
}
if (batch.length) await store.ledger.write(batch);
await store.close();
console.log(`${rows + batch.length} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
