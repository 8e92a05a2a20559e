import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { PartitionFiles } from '../../exporters/sqlite/partition-files.js';
import { PartitionReaders } from '../../exporters/sqlite/partition-readers.js';
import { queryPartitions } from '../../exporters/sqlite/partitioned-reads.js';
import { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from '../../exporters/sqlite/sqlite-store.js';
import type { LedgerQuery, QueryScope, RunSummary } from '../../exporters/store.js';
import { seededRandom } from '../../bench/seeded-random.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { entry, hex, type RunPlan } from '../conformance/dataset.js';
import { expectedExport, runKey } from '../conformance/expected-ledger.js';
import { expectedRuns } from '../conformance/expected-runs.js';
import { expectedStats } from '../conformance/expected-stats.js';
import { expectedTimeline } from '../conformance/timeline-cases.js';

/**
 * Retention by partition (exporters/sqlite/partition-retention.ts): a UTC day
 * whose every organization is past its retention goes as a file; a day an
 * organization with a longer retention still holds loses only the expired
 * organization's rows. What remains must answer as the records that remain,
 * for readers that were mid-way through the dropped day too, and a crash
 * between the catalog's 'dropping' mark and the unlink is finished on reopen.
 */

const DAY_US = 86_400_000_000;
const HOUR_US = 3_600_000_000;
/** Day A (2025-01-01): only org_short's rows, every one past its retention, so the file goes. */
const A = Date.UTC(2025, 0, 1) * 1000;
/** Day Z, the day before: org_short's expired rows beside org_long's kept ones. */
const Z = A - DAY_US;
/** Day B, the day after: org_short's kept rows, some of a run begun on day A. */
const B = A + DAY_US;
/** org_short keeps 200 days, org_long the default 400: now, org_short's cutoff is the first µs of day B. */
const NOW = B + 200 * DAY_US;
const A_FILE = '2025-01-01.db';
const SHORT: QueryScope = { organization_id: 'org_short' };
const EVERYONE: QueryScope = { organization_id: null };
const expired = (e: EntryRecord) => e.organization_id === 'org_short' && e.start_us < B;

/** The records: runs within a day and one from day A's last µs into day B, costs, tokens and roots from the dataset's generator. */
function records(bulkOnA = 0, logLine = false): EntryRecord[] {
  const rnd = seededRandom(15);
  const out: EntryRecord[] = [];
  let i = 0;
  const run = (org: string, user: string | null, agent: string, starts: number[]) => {
    const plan: RunPlan = { org, user, agent, childAgent: null, size: starts.length, root: true, rootOutcome: 'success', start: starts[0] };
    const traceId = hex(rnd, 32);
    const rootId = hex(rnd, 16);
    starts.forEach((at, k) => out.push(entry(plan, traceId, k === 0 ? rootId : hex(rnd, 16), k === 0 ? null : rootId, i++, rnd, at)));
  };
  run('org_short', 'alice', 'short-agent', [Z + HOUR_US, Z + HOUR_US + 5, Z + 2 * HOUR_US]);
  run('org_long', 'alice', 'long-agent', [Z + 3 * HOUR_US, Z + 3 * HOUR_US + 1]);
  run('org_short', null, 'short-agent', [A + HOUR_US, A + HOUR_US + 9]);
  // across midnight: its root and a child on day A (dropped), two children on day B (kept)
  run('org_short', 'bob', 'short-agent', [B - 1, B - 1, B, B + 5]);
  run('org_short', 'alice', 'short-agent', [B + 7 * HOUR_US, B + 7 * HOUR_US + 3]);
  run('org_long', null, 'long-agent', [B + 9 * HOUR_US]);
  if (bulkOnA) run('org_short', 'carol', 'bulk-agent', Array.from({ length: bulkOnA }, (_, k) => A + 2 * HOUR_US + k));
  if (logLine) {
    // a run from day Z (shared with org_long: its expired rows go one by one) into day B, with a log line on day Z
    run('org_short', 'dave', 'short-agent', [Z + 22 * HOUR_US, Z + 22 * HOUR_US + 1, B + 2 * HOUR_US]);
    const at = out.length - 2;
    out[at] = { ...out[at], kind: 'log', cost_nanos: 0, input_tokens: null, output_tokens: null, total_tokens: null };
  }
  return out;
}

const partitionFiles = (file: string) => readdirSync(partitionsDirOf(file)).filter((f) => f.endsWith('.db')).sort();
const everything = (scope: QueryScope, page_size = 10_000): LedgerQuery => ({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size });

/** What a run keeps of its counts and costs (its times, root and status stay those of everything it ever had). */
const tally = (r: RunSummary) => ({ id: r.id, user: r.user_id, actions: r.action_count, cost: r.total_cost_usd, tokens: [r.input_tokens, r.output_tokens, r.total_tokens] });
const byKey = (a: { id: string; user: string | null }, b: { id: string; user: string | null }) =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : String(a.user) < String(b.user) ? -1 : 1;

let dir: string;
let file: string;
let store: SqliteStore;

async function open(options: Partial<SqliteStoreOptions> = {}): Promise<SqliteStore> {
  store = await createSqliteStore({ file, writer: 'inline', clock: () => NOW, ...options });
  return store;
}

async function seed(written: EntryRecord[]): Promise<void> {
  await store.credentials.createOrganization({ id: 'org_short', name: 'short' });
  await store.credentials.createOrganization({ id: 'org_long', name: 'long' });
  await store.agents.setOrganizationPolicy('org_short', { retention_days: 200 });
  await store.ledger.write(written);
}

/** The store answers for exactly the records that remain: entries, stats, run counts and costs. */
async function expectAnswersFor(kept: EntryRecord[]): Promise<void> {
  for (const scope of [EVERYONE, SHORT, { organization_id: 'org_long' }]) {
    const page = await store.ledger.queryLedger(everything(scope));
    expect(page.data.map((e) => e.id)).toEqual(expectedExport(kept, { scope }, 10_000).map((e) => e.id));
    const { p50_duration_ms: _p50, p95_duration_ms: _p95, percentiles_relative_error: _e, ...stats } = await store.ledger.stats({ scope });
    expect(stats).toEqual(expectedStats(kept, { scope }).exact);
    const runs = await store.ledger.listRuns({ scope, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 1000 });
    const keptRuns = expectedRuns(kept).filter((r) => scope.organization_id === null || r.organization_id === scope.organization_id);
    expect(runs.data.map(tally).sort(byKey)).toEqual(keptRuns.map(tally).sort(byKey));
    for (const value of ['evil.example', 'b.example']) {
      const filter = { scope, entity: { type: 'host' as const, value } };
      expect(await store.ledger.timelineSummary(filter)).toEqual(expectedTimeline(kept, filter));
    }
  }
  // an entry's entities go with it: no row is left for an entry retention deleted
  for (const name of readdirSync(partitionsDirOf(file)).filter((f) => f.endsWith('.db'))) {
    const db = openDatabase(join(partitionsDirOf(file), name), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM entities WHERE seq NOT IN (SELECT seq FROM entries)').pluck().get(), name).toBe(0);
      expect(db.prepare('SELECT count(*) FROM entities').pluck().get(), name).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'partition-retention-'));
  file = join(dir, 'ledger.db');
});

afterEach(async () => {
  vi.restoreAllMocks();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('retention by partition (inline writer)', () => {
  it('deletes a day whose every organization is past retention as a file, and only the expired rows of a day another organization keeps', async () => {
    const written = records();
    await open();
    await seed(written);
    expect(partitionFiles(file)).toEqual(['2024-12-31.db', A_FILE, '2025-01-02.db']);
    const agent = await store.agents.registerAgent({ organization_id: 'org_short', name: 'chained', external_ids: [] }, { actor_type: 'system', actor_id: null });
    await store.agents.reportActivity([{ agent_id: agent.id, event_type: 'task_completed', severity: 'info', metadata: {} }], 'tester');

    const report = await store.agents.sweepExpired({ now_us: NOW, batch_size: 2 });
    const kept = written.filter((e) => !expired(e));
    // the two runs wholly on days Z and A go; the one across midnight keeps day B's part
    expect(report).toMatchObject({ entries: written.length - kept.length, runs: 2 });
    expect(partitionFiles(file)).toEqual(['2024-12-31.db', '2025-01-02.db']);
    await expectAnswersFor(kept);
    const across = (await store.ledger.getRun(SHORT, written[7].run_id, 'bob'))!;
    expect(across.actions.map((a) => a.id)).toEqual(kept.filter((e) => runKey(e) === runKey(written[7])).map((e) => e.id));
    expect(await store.agents.verifyActivityChain(agent.id)).toMatchObject({ valid: true, first_broken: null });
    // nothing more is due
    expect(await store.agents.sweepExpired({ now_us: NOW, batch_size: 2 })).toMatchObject({ entries: 0, runs: 0 });
  });

  it('takes nothing from a run for an expired log line, which never counted in it (one-by-one deletes of a shared day)', async () => {
    const written = records(0, true);
    await open();
    await seed(written);
    await store.agents.sweepExpired({ now_us: NOW, batch_size: 2 });
    const kept = written.filter((e) => !expired(e));
    await expectAnswersFor(kept);
    const dave = (await store.ledger.listRuns({ scope: SHORT, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 100 })).data.find((r) => r.user_id === 'dave')!;
    expect(dave.action_count).toBe(1);
  });

  it('keeps answering an export that had the dropped day open, as the day was when it began', async () => {
    // more than an export chunk (1000 rows) on day A: the export is suspended between two chunks of it
    const written = records(1_005);
    await open();
    await seed(written);
    const dayA = { scope: SHORT, start_us: A, end_us: B - 1 };
    const inDay = store.ledger.exportLedger(dayA, 100_000)[Symbol.asyncIterator]();
    const ids = [(await inDay.next()).value.id];
    await store.agents.sweepExpired({ now_us: NOW, batch_size: 500 });
    expect(partitionFiles(file)).not.toContain(A_FILE);
    for (let r = await inDay.next(); !r.done; r = await inDay.next()) ids.push(r.value.id);
    expect(ids).toEqual(expectedExport(written, dayA, 100_000).map((e) => e.id));
  });

  it('skips a day dropped before an export reaches it: what remains, nothing more', async () => {
    const written = records();
    await open();
    await seed(written);
    const whole = store.ledger.exportLedger({ scope: SHORT }, 100_000)[Symbol.asyncIterator]();
    const ids = [(await whole.next()).value.id];
    await store.agents.sweepExpired({ now_us: NOW, batch_size: 500 });
    expect(partitionFiles(file)).not.toContain(A_FILE);
    for (let r = await whole.next(); !r.done; r = await whole.next()) ids.push(r.value.id);
    expect(ids).toEqual(expectedExport(written.filter((e) => !expired(e)), { scope: SHORT }, 100_000).map((e) => e.id));
  });

  it('never answers from a dropped day to a reader that had it open, once the day is written again', async () => {
    const written = records();
    await open();
    await seed(written);
    // another reader of the same files (another process: the store's own readers learn of drops from its sweep)
    const other = new PartitionReaders(new PartitionFiles(partitionsDirOf(file)), file);
    try {
      const dayA: LedgerQuery = { ...everything(EVERYONE), start_us: A, end_us: B - 1 };
      expect(queryPartitions(other, dayA).count).toBe(written.filter((e) => e.start_us >= A && e.start_us < B).length);
      await store.agents.sweepExpired({ now_us: NOW, batch_size: 100 });
      // a late span of org_long founds day A again
      const late = { ...written[3], id: 'late-entry', span_id: 'f00d', start_us: A + 5 * HOUR_US, end_us: A + 5 * HOUR_US + 10 };
      await store.ledger.write([late]);
      const page = queryPartitions(other, dayA);
      expect(page.data.map((e) => e.id)).toEqual(['late-entry']);
      expect(page.count).toBe(1);
    } finally {
      other.close();
    }
  });

  it('finishes on reopen a drop that stopped between the catalog and the unlink, debiting the runs once', async () => {
    const written = records();
    await open();
    await seed(written);
    const remove = vi.spyOn(PartitionFiles.prototype, 'remove').mockImplementationOnce(() => {
      throw new Error('crash before the unlink');
    });
    await expect(store.agents.sweepExpired({ now_us: NOW, batch_size: 100 })).rejects.toThrow(/crash before the unlink/);
    expect(partitionFiles(file)).toContain(A_FILE);
    remove.mockRestore();
    await store.close();

    await open();
    expect(partitionFiles(file)).not.toContain(A_FILE);
    expect(store.db.prepare('SELECT count(*) FROM ledger_partitions WHERE state = ?').pluck().get('dropping')).toBe(0);
    await store.agents.sweepExpired({ now_us: NOW, batch_size: 100 });
    await expectAnswersFor(written.filter((e) => !expired(e)));
  });

  it("deletes on reopen a partition whose catalog row says 'dropping'", async () => {
    const written = records();
    await open();
    await seed(written);
    await store.close();
    const catalog = openDatabase(file);
    catalog.prepare("UPDATE ledger_partitions SET state = 'dropping' WHERE name = ?").run(A_FILE);
    catalog.close();
    expect(existsSync(join(partitionsDirOf(file), A_FILE))).toBe(true);

    await open();
    expect(partitionFiles(file)).toEqual(['2024-12-31.db', '2025-01-02.db']);
    expect(store.db.prepare('SELECT count(*) FROM ledger_partitions WHERE name = ?').pluck().get(A_FILE)).toBe(0);
    const page = await store.ledger.queryLedger(everything(EVERYONE));
    expect(page.data.map((e) => e.id).sort()).toEqual(written.filter((e) => e.start_us < A || e.start_us >= B).map((e) => e.id).sort());
  });
});

describe('retention by partition (thread writer, from dist/: npm run build first)', () => {
  it('drops the expired day as a file and answers for what remains', async () => {
    const built = join(import.meta.dirname, '../../dist/exporters/sqlite/sqlite-store.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build first`);
    const { createSqliteStore: createBuilt } = (await import(built)) as typeof import('../../exporters/sqlite/sqlite-store.js');
    const written = records();
    store = await createBuilt({ file, clock: () => NOW });
    await seed(written);
    await store.agents.sweepExpired({ now_us: NOW, batch_size: 3 });
    expect(partitionFiles(file)).toEqual(['2024-12-31.db', '2025-01-02.db']);
    await expectAnswersFor(written.filter((e) => !expired(e)));
  });
});
