import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../exporters/sqlite/driver.js';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { PartitionFiles } from '../../exporters/sqlite/partition-files.js';
import { moveEntriesIntoPartitions } from '../../exporters/sqlite/partition-move.js';
import { lastSeq, PartitionedWriter } from '../../exporters/sqlite/partitioned-writer.js';
import { configureConnection, migrate, MIGRATIONS } from '../../exporters/sqlite/schema.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { toWriteRow } from '../../exporters/sqlite/write-row.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { writeSingleFileLedger } from '../helpers/ledger-at-version.js';
import { answers, DAY1_US, FIXTURE_NOW_US, fixtureEntries, HOUR_US, type CreateStore } from '../fixtures/sqlite/single-file-ledger.js';

/**
 * A single-file ledger made by the last single-file build (commit 264bb82;
 * tests/fixtures/sqlite/README.md) opened by today's store: its entries move
 * into one partition per day on start, and every answer the old build gave
 * about it (recorded beside it) is given again, with either writer; a move
 * stopped midway resumes without losing or doubling an entry.
 */

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = join(here, '../fixtures/sqlite/single-file-ledger.db');
/** The old build's answers; its entries predate entity extraction, so today's API shows each with `entities: {}`. */
const EXPECTED = withEmptyEntities(JSON.parse(readFileSync(join(here, '../fixtures/sqlite/single-file-ledger.answers.json'), 'utf8'))) as Record<string, unknown>;

function withEmptyEntities(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withEmptyEntities);
  if (v === null || typeof v !== 'object') return v;
  const out = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withEmptyEntities(x)]));
  // an entry: the fields every LedgerEntry carries
  return 'truncated_fields' in out && 'redactions' in out && 'run_status' in out ? { ...out, entities: {} } : out;
}
const DAYS = ['2025-06-01.db', '2025-06-02.db', '2025-06-03.db'];
const SINGLE_FILE_TABLES = ['entries', 'entries_fts', 'rollup_outcome', 'rollup_agent', 'rollup_name', 'rollup_duration', 'search_terms'];

/** The thread writer runs writer-thread.js: the compiled store (`npm run build`, as the e2e tests). */
async function compiledStore(): Promise<CreateStore> {
  const file = join(here, '../../dist/exporters/sqlite/sqlite-store.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first (the thread writer runs compiled code)`);
  return ((await import(pathToFileURL(file).href)) as { createSqliteStore: CreateStore }).createSqliteStore;
}

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function copyOfFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'partition-move-'));
  dirs.push(dir);
  const file = join(dir, 'ledger.db');
  copyFileSync(FIXTURE, file);
  return file;
}

/** Every entry in the partitions, with the partition it is in. */
function partitionRows(file: string): Array<{ partition: string; id: string; ts_us: number }> {
  const rows: Array<{ partition: string; id: string; ts_us: number }> = [];
  for (const name of readdirSync(partitionsDirOf(file)).filter((f) => f.endsWith('.db')).sort()) {
    const db = openDatabase(join(partitionsDirOf(file), name), { readonly: true });
    try {
      for (const r of db.prepare('SELECT id, ts_us FROM entries').all() as Array<{ id: string; ts_us: number }>) rows.push({ partition: name, ...r });
    } finally {
      db.close();
    }
  }
  return rows;
}

function lastSeqOf(file: string, partition: string): number {
  const db = openDatabase(join(partitionsDirOf(file), partition), { readonly: true });
  try {
    return lastSeq(db);
  } finally {
    db.close();
  }
}

function expectMoved(file: string): void {
  expect(readdirSync(partitionsDirOf(file)).filter((f) => f.endsWith('.db')).sort()).toEqual(DAYS);
  const rows = partitionRows(file);
  const all = fixtureEntries();
  // every entry exactly once, in the partition of its day
  expect(rows.map((r) => r.id).sort()).toEqual(all.map((e) => e.id).sort());
  for (const r of rows) expect(r.partition).toBe(`${new Date(r.ts_us / 1000).toISOString().slice(0, 10)}.db`);
  const catalog = openDatabase(file, { readonly: true });
  try {
    const tables = catalog.prepare("SELECT name FROM sqlite_schema WHERE type IN ('table', 'trigger')").pluck().all() as string[];
    for (const t of SINGLE_FILE_TABLES) expect(tables).not.toContain(t);
    expect(tables.filter((t) => t.startsWith('entries'))).toEqual([]);
    expect(catalog.prepare("SELECT count(*) FROM ledger_meta WHERE key = 'partition_move'").pluck().get()).toBe(0);
    // each partition's rows are the catalog's already: nothing is applied again at the next start
    const marks = catalog.prepare('SELECT name, applied_seq, state FROM ledger_partitions ORDER BY name').all();
    expect(marks).toEqual(DAYS.map((name) => ({ name, applied_seq: lastSeqOf(file, name), state: 'live' })));
  } finally {
    catalog.close();
  }
}

const trace = (n: number) => n.toString(16).padStart(32, '0');

/** A new span in the nightly run (trace 3), on day 2. */
function lateSpan(): EntryRecord {
  const [, child] = fixtureEntries().filter((e) => e.trace_id === trace(3));
  return { ...child, id: `${child.id.slice(0, -4)}beef`, span_id: '00000000000000ff', start_us: DAY1_US + 30 * HOUR_US, end_us: DAY1_US + 30 * HOUR_US + 1000, duration_ms: 1, cost_nanos: 5 };
}

describe.each(['inline', 'thread'] as const)('a single-file ledger made by the last single-file build, opened with the %s writer', (writer) => {
  it('answers every question as the old build did, its entries moved into one partition per day', async () => {
    const create = writer === 'inline' ? (createSqliteStore as CreateStore) : await compiledStore();
    const file = copyOfFixture();
    const logged: string[] = [];
    const first = await create({ file, writer, clock: () => FIXTURE_NOW_US, log: (m) => logged.push(m) });
    try {
      expect(await answers(first)).toEqual(EXPECTED);
    } finally {
      await first.close();
    }
    expectMoved(file);
    // the start says what it did (a 10M-entry move takes minutes)
    expect(logged.at(-1)).toMatch(new RegExp(`^moved ${fixtureEntries().length} entries into partitions`));

    // after the move: re-deliveries of moved spans are no news, a late span of a moved run joins it, the chains grow and verify
    const store = await create({ file, writer, clock: () => FIXTURE_NOW_US });
    try {
      expect(await answers(store)).toEqual(EXPECTED);
      expect((await store.ledger.write(fixtureEntries())).inserted).toBe(0);
      expect(await answers(store)).toEqual(EXPECTED);
      const scope = { organization_id: 'acme' };
      const before = (await store.ledger.getRun(scope, runIdFromTraceId(trace(3))))!.run;
      expect((await store.ledger.write([lateSpan(), lateSpan()])).inserted).toBe(1);
      const after = (await store.ledger.getRun(scope, runIdFromTraceId(trace(3))))!.run;
      expect(after).toMatchObject({ action_count: before.action_count + 1, total_cost_usd: before.total_cost_usd + 5e-9, status: before.status });
      const stats = await store.ledger.stats({ scope, agent_id: 'night-batch' });
      expect(stats.total_actions).toBe((EXPECTED['stats acme agent'] as { total_actions: number }).total_actions + 1);
      const support = (await store.agents.findAgent(scope, 'support-bot'))!;
      await store.agents.reportActivity([{ agent_id: support.id, event_type: 'task_completed', severity: 'info', metadata: { after: 'move' } }], 'test');
      const chain = await store.agents.verifyActivityChain(support.id);
      expect(chain).toMatchObject({ valid: true, events_checked: (EXPECTED['chain acme support-bot'] as { events_checked: number }).events_checked + 1 });
    } finally {
      await store.close();
    }
    expect(partitionRows(file)).toHaveLength(fixtureEntries().length + 1);
  });
});

/** Opens the copy's catalog as the writer does and moves in chunks of five, the second chunk stopping after two rows. */
function stopMoveMidway(file: string): void {
  const catalog = openDatabase(file);
  configureConnection(catalog, 'NORMAL');
  migrate(catalog);
  const writer = new PartitionedWriter(catalog, new PartitionFiles(partitionsDirOf(file)), { synchronous: 'NORMAL', fulltext: true, cacheMib: 8, trustHalfLifeDays: 30 });
  // the second chunk stops halfway through: part of it committed in a partition, the progress not saved
  let calls = 0;
  const importRows = writer.importRows.bind(writer);
  writer.importRows = (rows) => {
    if (++calls === 2) {
      importRows(rows.slice(0, 2));
      throw new Error('stopped');
    }
    importRows(rows);
  };
  try {
    expect(() => moveEntriesIntoPartitions(catalog, writer, true, undefined, 5)).toThrow('stopped');
    expect(catalog.prepare("SELECT value FROM ledger_meta WHERE key = 'partition_move'").pluck().get()).toBe('5');
    expect(catalog.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(fixtureEntries().length);
  } finally {
    writer.close();
    catalog.close();
  }
  expect(partitionRows(file)).toHaveLength(7);
}

describe('a move stopped midway', () => {
  it('resumes at the next start: every entry once, runs, stats and agents as before', async () => {
    const file = copyOfFixture();
    stopMoveMidway(file);
    const store = await createSqliteStore({ file, writer: 'inline', clock: () => FIXTURE_NOW_US });
    try {
      expect(await answers(store)).toEqual(EXPECTED);
    } finally {
      await store.close();
    }
    expectMoved(file);
  });

  it('moves again what a partition lost after the progress was saved, before dropping anything', async () => {
    const file = copyOfFixture();
    stopMoveMidway(file);
    // the first day's commits are gone (a power cut with synchronous NORMAL), the catalog's progress is not
    const day1 = join(partitionsDirOf(file), DAYS[0]);
    for (const suffix of ['', '-wal', '-shm']) rmSync(day1 + suffix, { force: true });
    expect(partitionRows(file)).toHaveLength(0);
    const store = await createSqliteStore({ file, writer: 'inline', clock: () => FIXTURE_NOW_US });
    try {
      expect(await answers(store)).toEqual(EXPECTED);
    } finally {
      await store.close();
    }
    expectMoved(file);
  });

  it('drops nothing when the partitions still do not hold the single file\'s entries', () => {
    const file = copyOfFixture();
    const catalog = openDatabase(file);
    configureConnection(catalog, 'NORMAL');
    migrate(catalog);
    const writer = new PartitionedWriter(catalog, new PartitionFiles(partitionsDirOf(file)), { synchronous: 'NORMAL', fulltext: true, cacheMib: 8, trustHalfLifeDays: 30 });
    try {
      // a row the single file never had, in a partition before the move
      writer.importRows([toWriteRow(lateSpan(), true)]);
      expect(() => moveEntriesIntoPartitions(catalog, writer, true)).toThrow(`${fixtureEntries().length + 1} there, ${fixtureEntries().length} in the single file; nothing is dropped`);
      expect(catalog.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(fixtureEntries().length);
      expect(catalog.prepare('SELECT count(*) FROM ledger_partitions').pluck().get()).toBe(0);
    } finally {
      writer.close();
      catalog.close();
    }
  });
});

/** Entries enough for several chunks of the move (10,000 each), over four days. */
function manyEntries(n: number): EntryRecord[] {
  const [template] = fixtureEntries();
  return Array.from({ length: n }, (_, i) => {
    const traceId = (0x1000 + Math.floor(i / 10)).toString(16).padStart(32, '0');
    const spanId = ((i % 10) + 1).toString(16).padStart(16, '0');
    const start = DAY1_US + Math.floor((i / n) * 4 * 24 * HOUR_US);
    return {
      ...template, id: entryId('acme', traceId, spanId), trace_id: traceId, run_id: runIdFromTraceId(traceId), span_id: spanId,
      parent_span_id: i % 10 === 0 ? null : '0000000000000001', is_root: i % 10 === 0, name: `step_${i % 30}`, start_us: start,
      end_us: start + 1000, duration_ms: 1, cost_nanos: (i % 50) * 1000, user_id: `user-${i % 3}`, agent_id: `agent-${i % 5}`,
      inputs: { text: `request ${i} for order ${i % 997}` }, attributes: {},
    };
  });
}

describe('writer processes starting together on a single-file ledger', () => {
  it('move each entry once: one finishes, the others wait for it, runs as they were', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'partition-move-race-'));
    dirs.push(dir);
    const file = join(dir, 'ledger.db');
    const entries = manyEntries(25_000);
    await writeSingleFileLedger(file, entries, MIGRATIONS.length - 1);
    const runsOf = (db: Database) => db.prepare('SELECT * FROM runs ORDER BY organization_id, run_id, user_id').all();
    const single = openDatabase(file, { readonly: true });
    const runsBefore = runsOf(single);
    single.close();

    // the compiled writer (the server's), in processes of their own
    const module = pathToFileURL(join(here, '../../dist/exporters/sqlite/ledger-writer.js')).href;
    if (!existsSync(fileURLToPath(module))) throw new Error('dist is missing: run npm run build first');
    const script = `const { openLedgerWriter } = await import(process.argv[1]);
      const { catalog, writer } = openLedgerWriter(process.argv[2], { synchronous: 'NORMAL', fulltext: true, cacheMib: 8, trustHalfLifeDays: 30 });
      writer.close(); catalog.close();`;
    const start = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, module, file], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all([start(), start(), start()]);
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });

    const ids = partitionRows(file).map((r) => r.id);
    expect(ids).toHaveLength(entries.length);
    expect(new Set(ids).size).toBe(entries.length);
    const catalog = openDatabase(file, { readonly: true });
    try {
      expect(runsOf(catalog)).toEqual(runsBefore);
      expect(catalog.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'entries'").pluck().get()).toBe(0);
      const names = readdirSync(partitionsDirOf(file)).filter((f) => f.endsWith('.db')).sort();
      expect(catalog.prepare('SELECT name, applied_seq FROM ledger_partitions ORDER BY name').all()).toEqual(
        names.map((name) => ({ name, applied_seq: lastSeqOf(file, name) })),
      );
    } finally {
      catalog.close();
    }
  }, 120_000);
});
