import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureCorpus } from './corpus.js';
import { printResults } from './report.js';
import { measureStoreCeiling } from './store-ceiling.js';

/**
 * The store's write ceiling alone (the full benchmark measures it after
 * everything else): `node dist/bench/ceiling.js --entries 10000000 --seconds 1200`
 * prints the rate as the store grows, one figure per million rows.
 * `--into bench/results/<file>.json` adds it to a saved run of the same size
 * (one stopped before its ceiling) and prints that run's table.
 */
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    seconds: { type: 'string' },
    seed: { type: 'string', default: '7' },
    'cache-dir': { type: 'string', default: '.bench-cache' },
    into: { type: 'string' },
  },
});
const entries = Number(values.entries);
const corpus = await ensureCorpus(resolve(values['cache-dir']!), entries, Number(values.seed), 500);
const work = mkdtempSync(join(tmpdir(), 'ledger-ceiling-'));
try {
  const result = await measureStoreCeiling(corpus, join(work, 'ledger.db'), {
    totalRows: entries,
    budgetSeconds: values.seconds ? Number(values.seconds) : undefined,
  });
  if (values.into) {
    const saved = JSON.parse(readFileSync(values.into, 'utf8'));
    if (saved.entries !== entries) throw new Error(`${values.into} is a run of ${saved.entries} entries, not ${entries}`);
    saved.ceiling = result;
    saved.ingest.ratioToCeiling = saved.ingest.spansPerSecond / result.rowsPerSecond;
    saved.complete = true;
    writeFileSync(values.into, `${JSON.stringify(saved, null, 2)}\n`);
    printResults(saved);
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
