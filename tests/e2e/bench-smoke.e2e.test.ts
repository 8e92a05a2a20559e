import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm run bench', () => {
  it('still runs end to end on a tiny corpus and prints every section (figures are not checked)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const { REDIS_URL: _redis, ...env } = process.env;
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'dist/bench/run.js'), '--entries', '3000', '--repeat', '1', '--export-rows', '1000', '--cache-dir', join(dir, 'cache'), '--results-dir', join(dir, 'results')],
      { env, encoding: 'utf8', timeout: 180_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    for (const section of ['ingest (OTLP protobuf/HTTP', 'store write ceiling', 'queries (ms)', 'ledger: newest page', 'stats: everything', 'q: rare term', 'export']) {
      expect(run.stdout).toContain(section);
    }
    const [file] = readdirSync(join(dir, 'results'));
    const result = JSON.parse(readFileSync(join(dir, 'results', file), 'utf8'));
    expect(result.entries).toBe(3000);
    expect(result.queries.every((q: { status: number }) => q.status === 200)).toBe(true);

    // the ceiling alone, added to the saved run: what a long run stopped before its ceiling is completed with
    const ceiling = spawnSync(
      process.execPath,
      [join(ROOT, 'dist/bench/ceiling.js'), '--entries', '3000', '--seconds', '600', '--cache-dir', join(dir, 'cache'), '--into', join(dir, 'results', file)],
      { env, encoding: 'utf8', timeout: 120_000 },
    );
    expect(ceiling.status, ceiling.stderr).toBe(0);
    expect(ceiling.stdout).toContain('store write ceiling');
    const completed = JSON.parse(readFileSync(join(dir, 'results', file), 'utf8'));
    expect(completed.ceiling.rows).toBe(3000);
    expect(completed.ceiling.stoppedByBudget).toBe(false);
    expect(completed.ingest.ratioToCeiling).toBeGreaterThan(0);
  }, 320_000);
});
