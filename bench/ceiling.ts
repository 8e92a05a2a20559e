import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema } from '../config/index.js';
import { ensureCorpus } from './corpus.js';
import { measureStoreCeiling } from './store-ceiling.js';

/**
 * The store's write ceiling alone (the full benchmark measures it after
 * everything else): `node dist/bench/ceiling.js --entries 10000000 --seconds 1200`
 * prints the rate as the store grows, one figure per million rows.
 */
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    seconds: { type: 'string' },
    seed: { type: 'string', default: '7' },
    'cache-dir': { type: 'string', default: '.bench-cache' },
  },
});
const entries = Number(values.entries);
const corpus = await ensureCorpus(resolve(values['cache-dir']!), entries, Number(values.seed), 500);
const work = mkdtempSync(join(tmpdir(), 'ledger-ceiling-'));
try {
  const result = await measureStoreCeiling(corpus, join(work, 'ledger.db'), {
    batchRows: 2 * configSchema.parse({}).queue.batch_max_rows,
    totalRows: entries,
    budgetSeconds: values.seconds ? Number(values.seconds) : undefined,
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
