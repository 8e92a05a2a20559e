import { storedDetails } from '../../collector/normalize/stored-details.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSummaryFrom } from '../../exporters/run-summary.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { RunSummary } from '../../exporters/store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { modelConfigOf, promptNameOf, type ModelConfig } from '../../model/model-config.js';
import { addToRunBatch, mergeRun, runBatchOf, runTokensOf, type RunBatch, type RunTotals } from '../../model/run-rollup.js';
import { generateEntries } from '../conformance/dataset.js';
import { writePlan } from '../conformance/write-plan.js';
import { byRun, SimulatedCluster } from './elasticsearch-simulated-rollup.js';

/**
 * The run rollup rule (model/run-rollup.ts) is the reference: the same writes
 * folded through it, through the SQLite store (its batch sum calls the rule,
 * its SQL upsert restates the merge) and through the Elasticsearch painless
 * script (run as JavaScript; it restates both) give the same runs, tag order
 * included.
 */

/** Inserted entries only (first write of an id), batch by batch, each run's batch summed then merged. */
function ruleRuns(batches: readonly EntryRecord[][]): RunSummary[] {
  const seen = new Set<string>();
  const stored = new Map<string, { run_id: string; user_id: string | null; totals: RunTotals<ModelConfig> }>();
  for (const entries of batches) {
    const sums = new Map<string, RunBatch<ModelConfig>>();
    const keys = new Map<string, { run_id: string; user_id: string | null }>();
    for (const e of entries) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      const c = {
        ...e, is_error: e.outcome === 'error', ...runTokensOf(e),
        prompt_name: promptNameOf({ details: storedDetails(e.details, e.attributes) }),
        model_config: modelConfigOf({ ...e, details: storedDetails(e.details, e.attributes) }),
      };
      const key = JSON.stringify([e.organization_id, e.run_id, e.user_id]);
      const sum = sums.get(key);
      if (sum) addToRunBatch(sum, c);
      else {
        sums.set(key, runBatchOf(c));
        keys.set(key, { run_id: e.run_id, user_id: e.user_id });
      }
    }
    for (const [key, sum] of sums) stored.set(key, { ...keys.get(key)!, totals: mergeRun(stored.get(key)?.totals ?? null, sum) });
  }
  return [...stored.values()].map((r) => runSummaryFrom({ ...r.totals, run_id: r.run_id, user_id: r.user_id })).sort(byRun);
}

async function sqliteRuns(batches: readonly EntryRecord[][]): Promise<RunSummary[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rollup-rule-'));
  const store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
  try {
    for (const b of batches) await store.ledger.write(b);
    return (await store.ledger.listRuns({ scope: { organization_id: null }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 1000 })).data.sort(byRun);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function painlessRuns(batches: readonly EntryRecord[][]): RunSummary[] {
  const cluster = new SimulatedCluster();
  for (const b of batches) cluster.write(b);
  return cluster.summaries();
}

/** One run over three batches: the root (another agent, failed) after its children, tags in each batch. */
function lateRootRun(base: EntryRecord): EntryRecord[][] {
  let n = 0;
  const e = (over: Partial<EntryRecord>): EntryRecord => {
    n++;
    return { ...base, id: `late-root-${n}`, span_id: n.toString(16).padStart(16, 'c'), run_id: 'late-root-run', user_id: null, is_root: false, ...over };
  };
  const t = base.start_us;
  return [
    [e({ agent_id: 'worker', tags: ['zeta', 'beta'], start_us: t + 10, end_us: t + 20 }), e({ agent_id: null, tags: [], start_us: t + 5, end_us: t + 30 })],
    [e({ agent_id: 'boss', is_root: true, outcome: 'error', name: 'root', tags: ['alpha'], start_us: t, end_us: t + 100 })],
    [e({ agent_id: 'other', is_root: true, outcome: 'success', name: 'second root', tags: ['beta', 'gamma'], start_us: t + 1, end_us: t + 200 })],
    [e({ agent_id: 'late', tags: [], start_us: t - 50, end_us: t + 150 })],
  ];
}

describe('the run rollup rule against each store', () => {
  const { steps } = writePlan(generateEntries());
  const cases: Array<[string, EntryRecord[][]]> = [
    ['the conformance writes with their re-deliveries', steps.map((s) => s.batch)],
    ['a root arriving after its children, a second root, tags in every batch', lateRootRun(steps[0].batch[0])],
  ];

  it.each(cases)('%s: the SQLite store keeps what the rule says', async (_caption, batches) => {
    const expected = ruleRuns(batches);
    expect(expected.length).toBeGreaterThan(0);
    expect(await sqliteRuns(batches)).toEqual(expected);
  });

  it.each(cases)('%s: the painless script keeps what the rule says', (_caption, batches) => {
    expect(painlessRuns(batches)).toEqual(ruleRuns(batches));
  });

  it('names the run after the agent of the latest batch with a root, keeps the first root’s name, fails on a failed root, sorts merged tags', () => {
    const batches = lateRootRun(steps[0].batch[0]);
    expect(ruleRuns(batches.slice(0, 1))[0]).toMatchObject({ agent_id: 'worker', status: 'running', name: null, tags: ['zeta', 'beta'] });
    expect(ruleRuns(batches.slice(0, 2))[0]).toMatchObject({ agent_id: 'boss', status: 'failed', name: 'root' });
    const [run] = ruleRuns(batches);
    expect(run).toMatchObject({ agent_id: 'other', status: 'failed', name: 'root', action_count: 5, tags: ['alpha', 'beta', 'gamma', 'zeta'] });
    expect(run.duration_ms).toBe(0.25);
  });
});
