import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryDocument, recordFromDocument, type EntryDocument } from '../../exporters/elasticsearch/entry-document.js';
import { RUN_ROLLUP_SCRIPT, runUpdateLines, runUpdates } from '../../exporters/elasticsearch/run-rollup.js';
import { runFromDocument, type RunDocument } from '../../exporters/elasticsearch/runs-reader.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { RunSummary } from '../../exporters/store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { generateEntries } from '../conformance/dataset.js';
import { expectedRuns, publicRun } from '../conformance/expected-runs.js';
import { writePlan } from '../conformance/write-plan.js';
import { painlessAsJs } from './elasticsearch-painless-as-js.js';

/**
 * The painless rollup script, run as JavaScript (elasticsearch-painless-as-js.ts)
 * over the conformance writes, with the writer's own grouping and its
 * handling of re-delivered entries, compared with the SQLite store's runs,
 * tag order included.
 */
/** The writer's logic around the script, over in-memory "indices". */
class SimulatedCluster {
  readonly entries = new Map<string, EntryDocument>();
  readonly runs = new Map<string, Record<string, unknown>>();
  private readonly script = painlessAsJs(RUN_ROLLUP_SCRIPT);

  write(batch: EntryRecord[], { loseRunUpdate = false } = {}): number {
    const seen = new Set<string>();
    const unique = batch.filter((e) => !seen.has(e.id) && seen.add(e.id));
    const counted: EntryRecord[] = [];
    let inserted = 0;
    for (const e of unique) {
      const stored = this.entries.get(e.id);
      if (stored) counted.push(recordFromDocument(JSON.parse(JSON.stringify(stored))));
      else {
        this.entries.set(e.id, entryDocument(e));
        counted.push(e);
        inserted++;
      }
    }
    if (loseRunUpdate) return inserted;
    for (const u of runUpdates(counted)) {
      const before = this.runs.get(u.id);
      const ctx = { _source: before ? structuredClone(before) : {}, op: 'index' };
      const [, body] = runUpdateLines(u, 'runs', 'script') as [unknown, { script: { params: unknown } }];
      this.script(ctx, JSON.parse(JSON.stringify(body.script.params)));
      if (ctx.op !== 'noop') this.runs.set(u.id, JSON.parse(JSON.stringify(ctx._source)));
    }
    return inserted;
  }

  summaries(): RunSummary[] {
    return [...this.runs.values()].map((r) => runFromDocument(r as unknown as RunDocument)).sort(byRun);
  }
}

const { steps, written } = writePlan(generateEntries());

/** Runs are per (run, user): one order for both lists. */
function byRun(a: RunSummary, b: RunSummary): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : (a.user_id ?? '') < (b.user_id ?? '') ? -1 : (a.user_id ?? '') > (b.user_id ?? '') ? 1 : 0;
}

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
