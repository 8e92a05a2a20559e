import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { RunSummary } from '../../exporters/store.js';
import { generateEntries } from '../conformance/dataset.js';
import { expectedRuns, publicRun } from '../conformance/expected-runs.js';
import { writePlan } from '../conformance/write-plan.js';
import { byRun, SimulatedCluster } from './elasticsearch-simulated-rollup.js';

/**
 * The painless rollup script, run as JavaScript (elasticsearch-painless-as-js.ts)
 * over the conformance writes, with the writer's own grouping and its
 * handling of re-delivered entries, compared with the SQLite store's runs,
 * tag order included.
 */
const { steps, written } = writePlan(generateEntries());

async function sqliteRuns(): Promise<RunSummary[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rollup-'));
  const store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
  try {
    for (const step of steps) await store.ledger.write(step.batch);
    const page = await store.ledger.listRuns({ scope: { organization_id: null }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 1000 });
    return page.data.sort(byRun);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the runs rollup script (run as JavaScript)', () => {
  it('gives the SQLite store runs exactly, tag order included, through the conformance writes and re-deliveries', async () => {
    const cluster = new SimulatedCluster();
    expect(steps.map((s) => cluster.write(s.batch))).toEqual(steps.map((s) => s.inserted));
    expect(cluster.summaries()).toEqual(await sqliteRuns());
  });

  it('agrees with the contract (the suite expectations)', () => {
    const cluster = new SimulatedCluster();
    for (const s of steps) cluster.write(s.batch);
    const sorted = (r: RunSummary) => ({ ...r, tags: [...r.tags].sort() });
    const expected = expectedRuns(written).map(publicRun).sort(byRun);
    expect(cluster.summaries().map(sorted)).toEqual(expected.map(sorted));
  });

  it('counts entries whose run update was lost once their batch comes again, and never twice', () => {
    const cluster = new SimulatedCluster();
    steps.forEach((s, i) => cluster.write(s.batch, { loseRunUpdate: i === 1 }));
    expect(cluster.write(steps[1].batch)).toBe(0);
    const again = cluster.summaries();
    for (const s of steps) cluster.write(s.batch);
    expect(cluster.summaries()).toEqual(again);
    // counts, sums and the root's fields are exact; first values (prompt, model config, user) may come from a later entry
    const totals = (r: RunSummary) => ({ id: r.id, user: r.user_id, n: r.action_count, cost: r.total_cost_usd, tokens: r.total_tokens, status: r.status, name: r.name, start: r.started_at, end: r.ended_at });
    const expected = expectedRuns(written).map(publicRun).sort(byRun);
    expect(again.map(totals)).toEqual(expected.map(totals));
  });

  it('leaves a run untouched (noop) when every offered span was counted', () => {
    const cluster = new SimulatedCluster();
    cluster.write(steps[0].batch);
    const before = JSON.stringify([...cluster.runs]);
    cluster.write(steps[0].batch);
    expect(JSON.stringify([...cluster.runs])).toBe(before);
  });
});
