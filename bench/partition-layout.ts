import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeTraces } from '../collector/otlp/otlp-codec.js';
import { DEFAULT_DECODE_LIMITS } from '../collector/otlp/decode-limits.js';
import { normalizeRequest } from '../collector/normalize/normalize-request.js';
import { createPricing } from '../collector/pricing/pricing.js';
import type { EntryRecord } from '../model/ledger-entry.js';
import { AgentIngest } from '../exporters/sqlite/agent-ingest.js';
import { openDatabase, type Database, type Statement } from '../exporters/sqlite/driver.js';
import { EntryWriter } from '../exporters/sqlite/entry-writer.js';
import { FulltextIndexer } from '../exporters/sqlite/fulltext-index.js';
import { foldCase } from '../exporters/sqlite/ledger-filter-sql.js';
import { queryLedger } from '../exporters/sqlite/ledger-reader.js';
import { ALL_TIME, HOUR_US, RollupWriter } from '../exporters/sqlite/rollup-writer.js';
import { RunRollupWriter } from '../exporters/sqlite/run-rollup.js';
import { configureConnection, migrate } from '../exporters/sqlite/schema.js';
import { toWriteRow, type WriteRow } from '../exporters/sqlite/write-row.js';
import { ensureCorpus, readCorpus } from './corpus.js';
import { summarize } from './measure.js';
import { SERVER_COMMIT_ROWS } from './store-ceiling.js';

/**
 * Partition layout experiment (issue 15): the bench corpus, built into rows
 * by the real collector and write-row.ts, written into one candidate layout
 * of the embedded store, with per-million figures so flatness shows:
 *
 *   single  today's one file (schema.ts as is: FTS5, rollups, runs, agents; the real EntryWriter)
 *   daily   one SQLite file per UTC day holding that day's entries, FTS5,
 *           rollups and search terms; runs and agents in a catalog file (the
 *           issue's split). The writer keeps the newest `--open-partitions`
 *           day files open (late spans go to older ones, reopened if closed).
 *
 * `--indexes seal` keeps only the append-friendly indexes, (organization,
 * ts, id) and the unique (organization, run, span), while a day file is
 * written, and builds the other six when the writer lets the file go
 * (timed: it is part of the write path); `--commit-rows` and `--page-size`
 * vary the commit and page size. The corpus's 90 days are compressed so a
 * day holds `--rows-per-day` rows, and whole runs (`--late-fraction`) arrive
 * 2–47 hours late, in both layouts alike. Only the writes are timed; decoding
 * and row building run between commits, untimed, as the server does them on
 * another thread.
 *
 *   node dist/bench/partition-layout.js --layout daily --rows 3000000 --name daily --out bench/baseline/partition-layout.json
 */
const { values } = parseArgs({
  options: {
    layout: { type: 'string', default: 'single' },
    name: { type: 'string' },
    rows: { type: 'string', default: '3000000' },
    /** Stop after this many rows of the `--rows` corpus (the same rows as a longer run's start). */
    limit: { type: 'string' },
    'rows-per-day': { type: 'string', default: '750000' },
    'commit-rows': { type: 'string', default: String(SERVER_COMMIT_ROWS) },
    'page-size': { type: 'string', default: '16384' },
    indexes: { type: 'string', default: 'all' },
    'cache-mib': { type: 'string' },
    'open-partitions': { type: 'string', default: '3' },
    'late-fraction': { type: 'string', default: '0.01' },
    step: { type: 'string', default: '1000000' },
    'read-repeats': { type: 'string', default: '30' },
    seed: { type: 'string', default: '7' },
    'cache-dir': { type: 'string', default: '.bench-cache' },
    'work-dir': { type: 'string' },
    out: { type: 'string' },
  },
});

const layoutName = values.layout!;
if (layoutName !== 'single' && layoutName !== 'daily') throw new Error('--layout is single or daily');
if (values.indexes !== 'all' && values.indexes !== 'seal') throw new Error('--indexes is all or seal');
if (layoutName === 'single' && values.indexes !== 'all') throw new Error('--indexes seal applies to --layout daily');
const ROWS = Number(values.rows);
const LIMIT = Number(values.limit ?? ROWS);
const ROWS_PER_DAY = Number(values['rows-per-day']);
const COMMIT_ROWS = Number(values['commit-rows']);
const PAGE_SIZE = Number(values['page-size']);
const CACHE_MIB = Number(values['cache-mib'] ?? (layoutName === 'single' ? 512 : 256));
const OPEN_PARTITIONS = Number(values['open-partitions']);
const LATE_FRACTION = Number(values['late-fraction']);
const STEP = Number(values.step);
const DAY_US = 24 * HOUR_US;
const ORG = 'default';
/** Built at seal by `--indexes seal`: their keys are spread (random values, or one of hundreds of names or agents, then time), so every commit dirties pages all over them. */
const SEAL_INDEXES = [
  'entries_org_outcome_ts',
  'entries_org_outcome_cost',
  'entries_org_name_ts',
  'entries_org_agent_ts',
  'entries_org_cost',
  'entries_org_duration',
];

/** schema.ts's connection settings, with the page size of a new file as chosen. */
function configure(db: Database, cacheMib: number): void {
  if (PAGE_SIZE !== 16384) db.pragma(`page_size = ${PAGE_SIZE}`);
  if (PAGE_SIZE === 16384) configureConnection(db, 'FULL', cacheMib);
  else {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`cache_size = ${-Math.round(cacheMib * 1024)}`);
    db.pragma('temp_store = MEMORY');
  }
}

interface Layout {
  write(rows: WriteRow[]): void;
  openFiles(): number;
  close(): void;
}

class SingleLayout implements Layout {
  readonly db: Database;
  private readonly writer: EntryWriter;

  constructor(dir: string) {
    this.db = openDatabase(join(dir, 'ledger.db'));
    configure(this.db, CACHE_MIB);
    migrate(this.db);
    this.writer = new EntryWriter(this.db, { fulltext: true });
  }

  write(rows: WriteRow[]): void {
    this.writer.write(rows);
  }

  openFiles(): number {
    return 1;
  }

  close(): void {
    this.db.close();
  }
}

/** One day's file: its entries, full text, rollups and search terms (entry-writer.ts's per-entry half). */
class Partition {
  readonly db: Database;
  private readonly insertEntry: Statement;
  private readonly insertTerm: Statement;
  private readonly fulltext: FulltextIndexer;
  private readonly rollups: RollupWriter;

  /** CREATE INDEX statements (schema.ts's own) still to run when the file is sealed. */
  private readonly unbuilt: string[] = [];

  constructor(file: string) {
    const fresh = !existsSync(file);
    this.db = openDatabase(file);
    configure(this.db, CACHE_MIB);
    migrate(this.db);
    if (values.indexes === 'seal' && fresh) {
      for (const index of SEAL_INDEXES) {
        this.unbuilt.push(this.db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck().get(index) as string);
        this.db.exec(`DROP INDEX ${index}`);
      }
    }
    // entry-writer.ts's statement, word for word
    this.insertEntry = this.db.prepare(`
      INSERT INTO entries (id, organization_id, run_id, trace_id, span_id, parent_span_id, is_root, name, kind,
        outcome, status_message, ts_us, end_us, duration_ms, cost_nanos, model, provider, input_tokens,
        output_tokens, total_tokens, agent_id, service_name, user_id, inputs, outputs, compliance, tags,
        attributes, truncated_fields, redactions)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (organization_id, run_id, span_id) DO NOTHING`);
    this.insertTerm = this.db.prepare('INSERT OR IGNORE INTO search_terms (organization_id, field, value) VALUES (?, ?, ?)');
    this.fulltext = new FulltextIndexer(this.db, true);
    this.rollups = new RollupWriter(this.db);
  }

  /** Returns the rows actually inserted (first write wins within the day, as the span's time fixes its day). */
  write(rows: readonly WriteRow[]): WriteRow[] {
    return this.db.transaction(() => {
      const inserted: WriteRow[] = [];
      const rollup = this.rollups.begin();
      const terms = new Set<string>();
      for (const e of rows) {
        const result = this.insertEntry.run(e.params);
        if (result.changes === 0) continue;
        inserted.push(e);
        this.fulltext.add(result.lastInsertRowid, e.fts);
        rollup.add(e);
        terms.add(`${e.organization_id}\u0000name\u0000${e.name}`);
        if (e.agent_id !== null) terms.add(`${e.organization_id}\u0000agent_id\u0000${e.agent_id}`);
      }
      rollup.flush();
      for (const t of terms) this.insertTerm.run(...t.split('\u0000'));
      return inserted;
    })();
  }

  /** Builds the indexes left out while the file was written (by sort, once), then closes it. */
  seal(): void {
    if (this.unbuilt.length) {
      const t = performance.now();
      this.db.transaction(() => {
        for (const sql of this.unbuilt) this.db.exec(sql);
      })();
      sealMs.push(Math.round(performance.now() - t));
    }
    this.db.close();
  }
}

const sealMs: number[] = [];

class DailyLayout implements Layout {
  readonly catalog: Database;
  private readonly runs: RunRollupWriter;
  private readonly agents: AgentIngest;
  /** Open day files, least recently written first. */
  private readonly open = new Map<number, Partition>();
  reopened = 0;
  private readonly seen = new Set<number>();

  constructor(private readonly dir: string) {
    this.catalog = openDatabase(join(dir, 'catalog.db'));
    configure(this.catalog, 64);
    migrate(this.catalog);
    this.runs = new RunRollupWriter(this.catalog);
    this.agents = new AgentIngest(this.catalog, { trust_half_life_days: 30, now: () => Date.now() * 1000 });
  }

  private partition(day: number): Partition {
    let p = this.open.get(day);
    if (p) {
      this.open.delete(day);
    } else {
      if (this.seen.has(day)) this.reopened++;
      this.seen.add(day);
      p = new Partition(join(this.dir, `day-${new Date(day * 86_400_000).toISOString().slice(0, 10)}.db`));
      if (this.open.size >= OPEN_PARTITIONS) {
        const [oldest, q] = this.open.entries().next().value as [number, Partition];
        q.seal();
        this.open.delete(oldest);
      }
    }
    this.open.set(day, p);
    return p;
  }

  write(rows: WriteRow[]): void {
    const byDay = new Map<number, WriteRow[]>();
    for (const r of rows) {
      const day = Math.floor(r.start_us / DAY_US);
      const list = byDay.get(day);
      if (list) list.push(r);
      else byDay.set(day, [r]);
    }
    const inserted: WriteRow[] = [];
    for (const day of [...byDay.keys()].sort((a, b) => a - b)) inserted.push(...this.partition(day).write(byDay.get(day)!));
    // runs and agents span days: the catalog, in its own transaction after the entries'
    this.catalog.transaction(() => {
      const runs = this.runs.begin();
      const agents = this.agents.begin();
      for (const e of inserted) {
        runs.add(e);
        agents.add(e);
      }
      runs.flush();
      agents.flush();
    })();
  }

  openFiles(): number {
    return this.open.size + 1;
  }

  close(): void {
    for (const p of this.open.values()) p.seal();
    this.open.clear();
    this.catalog.close();
  }
}

function procIo(): { write_bytes: number; cancelled_write_bytes: number; wchar: number } {
  const text = readFileSync('/proc/self/io', 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}: (\\d+)`, 'm').exec(text)![1]);
  return { write_bytes: get('write_bytes'), cancelled_write_bytes: get('cancelled_write_bytes'), wchar: get('wchar') };
}

function memory(): { rssMiB: number; peakMiB: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakMiB: Math.round(kib('VmHWM') / 1024) };
}

function dirBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const f of readdirSync(dir)) {
    files++;
    bytes += statSync(join(dir, f)).size;
  }
  return { files, bytes };
}

/** The row's own size: its stored values and full-text row, as text. */
function rowBytes(r: WriteRow): number {
  let n = r.fts ? Buffer.byteLength(r.fts) : 0;
  for (const v of r.params) n += typeof v === 'string' ? Buffer.byteLength(v) : 8;
  return n;
}

/** 32 bits of a hex id from `at`, as a fraction of 1. */
function hexFraction(id: string, at: number): number {
  return parseInt(id.slice(at, at + 8).padEnd(8, '0'), 16) / 2 ** 32;
}

// ---- write --------------------------------------------------------------
const corpus = await ensureCorpus(resolve(values['cache-dir']!), ROWS, Number(values.seed), 500);
const corpusEndUs = Date.parse('2026-11-01T00:00:00Z') * 1000;
const corpusStartUs = corpusEndUs - 90 * DAY_US;
/** The corpus spreads ROWS over 90 days; squeezed so a day holds ROWS_PER_DAY. */
const squeeze = Math.min(1, ROWS / 90 / ROWS_PER_DAY);
function reshape(e: EntryRecord): EntryRecord {
  let start = corpusStartUs + Math.floor((e.start_us - corpusStartUs) * squeeze);
  if (hexFraction(e.run_id, 0) < LATE_FRACTION) start -= (2 + Math.floor(hexFraction(e.run_id, 8) * 46)) * HOUR_US;
  return { ...e, start_us: start, end_us: start + (e.end_us - e.start_us) };
}

const work = mkdtempSync(join(values['work-dir'] ? resolve(values['work-dir']) : tmpdir(), 'partition-layout-'));
const loadBefore = loadavg();
const layout: Layout = layoutName === 'single' ? new SingleLayout(work) : new DailyLayout(work);
const pricing = createPricing({});
const io0 = procIo();
let batch: WriteRow[] = [];
let rows = 0;
let writeMs = 0;
let bytesOfRows = 0;
let step = { rows: 0, ms: 0, io: io0, wall: performance.now() };
const curve: Array<Record<string, number>> = [];
const flush = () => {
  const t = performance.now();
  layout.write(batch);
  writeMs += performance.now() - t;
  rows += batch.length;
  batch = [];
  if (rows - step.rows >= STEP) {
    const io = procIo();
    const n = rows - step.rows;
    const point = {
      upToRows: rows,
      rowsPerSecond: Math.round(n / ((writeMs - step.ms) / 1000)),
      wallRowsPerSecond: Math.round(n / ((performance.now() - step.wall) / 1000)),
      writeBytesPerRow: Math.round((io.write_bytes - step.io.write_bytes) / n),
      cancelledBytesPerRow: Math.round((io.cancelled_write_bytes - step.io.cancelled_write_bytes) / n),
      wcharPerRow: Math.round((io.wchar - step.io.wchar) / n),
      diskBytes: dirBytes(work).bytes,
      openFiles: layout.openFiles(),
      ...memory(),
    };
    curve.push(point);
    process.stderr.write(`${JSON.stringify(point)}\n`);
    step = { rows, ms: writeMs, io, wall: performance.now() };
  }
};
const wallStart = performance.now();
for await (const req of readCorpus(corpus)) {
  const { spans } = decodeTraces(req.body, 'protobuf', DEFAULT_DECODE_LIMITS);
  for (const e of normalizeRequest(spans, { organizationId: ORG, userId: null, pricing, maxJsonDepth: 64 })) {
    const row = toWriteRow(reshape(e), true);
    bytesOfRows += rowBytes(row);
    batch.push(row);
  }
  if (rows + batch.length >= LIMIT) {
    batch = batch.slice(0, LIMIT - rows);
    break;
  }
  if (batch.length >= COMMIT_ROWS) flush();
}
if (batch.length) flush();
// the last checkpoint (and, for `seal`, the last files' index builds) is part of the write
const closeStart = performance.now();
layout.close();
const closeMs = performance.now() - closeStart;
writeMs += closeMs;
const ioEnd = procIo();
const disk = dirBytes(work);
const writeResult = {
  rows,
  seconds: Math.round(writeMs) / 1000,
  rowsPerSecond: Math.round(rows / (writeMs / 1000)),
  wallSeconds: Math.round(performance.now() - wallStart) / 1000,
  closeSeconds: Math.round(closeMs) / 1000,
  rowBytes: Math.round(bytesOfRows / rows),
  writeBytesPerRow: Math.round((ioEnd.write_bytes - io0.write_bytes) / rows),
  cancelledBytesPerRow: Math.round((ioEnd.cancelled_write_bytes - io0.cancelled_write_bytes) / rows),
  writeAmplification: Math.round(((ioEnd.write_bytes - io0.write_bytes) / bytesOfRows) * 100) / 100,
  diskFiles: disk.files,
  diskBytes: disk.bytes,
  diskBytesPerRow: Math.round(disk.bytes / rows),
  partitionsReopened: layout instanceof DailyLayout ? layout.reopened : 0,
  sealMs,
  ...memory(),
  curve,
};

// ---- read ---------------------------------------------------------------
function timed<T>(fn: () => T, repeats: number): { firstMs: number; p50Ms: number; p95Ms: number; result: T } {
  let t = performance.now();
  const result = fn();
  const firstMs = performance.now() - t;
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  const s = summarize(samples);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { firstMs: r(firstMs), p50Ms: r(s.p50), p95Ms: r(s.p95), result };
}

function shown<T extends { result: unknown }>(t: T): Omit<T, 'result'> {
  const { result: _r, ...rest } = t;
  return rest;
}

function readOnly(file: string): Database {
  const db = openDatabase(file, { readonly: true });
  db.pragma('cache_size = -131072');
  db.function('fold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? foldCase(s) : null));
  return db;
}

const PAGE = 100;
const OUTCOME = 'error';
const PAGE_COLUMNS = `id, name, outcome, cost_nanos, duration_ms, inputs, outputs, run_id, agent_id, ts_us, compliance,
  organization_id, trace_id, span_id, parent_span_id, kind, model, provider, input_tokens, output_tokens, total_tokens,
  service_name, status_message, tags, attributes, end_us, truncated_fields, redactions, user_id`;

/** Newest first, one outcome, PAGE rows, then each row's run (root_count, root_error) as the reader joins it. */
function newestPage(sources: Database[], runsDb: Database): number {
  const rows: Array<{ run_id: string; user_id: string | null }> = [];
  for (const db of sources) {
    const got = db
      .prepare(`SELECT ${PAGE_COLUMNS} FROM entries WHERE organization_id = ? AND outcome = ? ORDER BY ts_us DESC LIMIT ?`)
      .all(ORG, OUTCOME, PAGE - rows.length) as typeof rows;
    rows.push(...got);
    if (rows.length >= PAGE) break;
  }
  const run = runsDb.prepare('SELECT root_count, root_error FROM runs WHERE organization_id = ? AND run_id = ? AND user_id = ?');
  for (const r of rows) run.get(ORG, r.run_id, r.user_id ?? '');
  return rows.length;
}

/** Rows in [from, to): whole hours from rollup_outcome, the partial hours at the edges counted off the time index. */
function rollupCount(db: Database, from: number, to: number): number {
  const h0 = Math.ceil(from / HOUR_US);
  const h1 = Math.floor(to / HOUR_US);
  if (h1 <= h0) return rawCount(db, from, to);
  const whole = db
    .prepare('SELECT coalesce(sum(n), 0) FROM rollup_outcome WHERE organization_id = ? AND hour >= ? AND hour < ?')
    .pluck()
    .get(ORG, h0, h1) as number;
  return whole + rawCount(db, from, h0 * HOUR_US) + rawCount(db, h1 * HOUR_US, to);
}

function rawCount(db: Database, from: number, to: number): number {
  return db.prepare('SELECT count(*) FROM entries WHERE organization_id = ? AND ts_us >= ? AND ts_us < ?').pluck().get(ORG, from, to) as number;
}

const repeats = Number(values['read-repeats']);
const reads: Record<string, unknown> = {};
{
  const files = readdirSync(work).filter((f) => f.endsWith('.db'));
  const days = files
    .filter((f) => f.startsWith('day-'))
    .map((f) => ({ file: join(work, f), start: Date.parse(f.slice(4, 14)) * 1000 }))
    .sort((a, b) => b.start - a.start);
  // a range from the middle of the oldest day written in order to the middle of the newest
  const ordered = days.filter((d) => d.start >= corpusStartUs);
  const newest = ordered.length ? ordered[0].start : 0;
  const oldest = ordered.length ? ordered[ordered.length - 1].start : 0;
  if (layoutName === 'single') {
    const db = readOnly(join(work, 'ledger.db'));
    const span = db.prepare('SELECT min(ts_us) AS lo, max(ts_us) AS hi FROM entries WHERE organization_id = ? AND ts_us >= ?').get(ORG, corpusStartUs) as { lo: number; hi: number };
    const from = Math.floor(span.lo / DAY_US) * DAY_US + DAY_US / 2;
    const to = Math.floor(span.hi / DAY_US) * DAY_US + DAY_US / 2;
    const page = timed(() => newestPage([db], db), repeats);
    const real = timed(
      () =>
        queryLedger(db, {
          scope: { organization_id: ORG, user_id: null },
          outcome: OUTCOME,
          sort_by: 'timestamp',
          sort_order: 'desc',
          page: 0,
          page_size: PAGE,
        }).data.length,
      repeats,
    );
    const raw = timed(() => rawCount(db, from, to), Math.min(repeats, 5));
    const rolled = timed(() => rollupCount(db, from, to), repeats);
    if (raw.result !== rolled.result) throw new Error(`count(*) ${raw.result} but rollups say ${rolled.result}`);
    reads.newestPageOfOutcome = { ...shown(page), rows: page.result };
    reads.newestPageOfOutcomeQueryLedger = { ...shown(real), rows: real.result, note: 'exporters/sqlite queryLedger, including its count(*) of the matches' };
    reads.rangeCountStar = { ...shown(raw), count: raw.result, fromUs: from, toUs: to };
    reads.rangeCountRollups = { ...shown(rolled), count: rolled.result };
    db.close();
  } else {
    const dbs = days.map((d) => ({ ...d, db: readOnly(d.file) }));
    const catalog = readOnly(join(work, 'catalog.db'));
    const from = oldest + DAY_US / 2;
    const to = newest + DAY_US / 2;
    const page = timed(() => newestPage(dbs.map((d) => d.db), catalog), repeats);
    // per-partition counts: days wholly inside from the all-time rollup row, the two edge days by hour
    const perPartition = timed(() => {
      let n = 0;
      for (const d of dbs) {
        const end = d.start + DAY_US;
        if (end <= from || d.start >= to) continue;
        if (d.start >= from && end <= to) {
          n += d.db.prepare('SELECT coalesce(sum(n), 0) FROM rollup_outcome WHERE organization_id = ? AND hour = ?').pluck().get(ORG, ALL_TIME) as number;
        } else n += rollupCount(d.db, Math.max(from, d.start), Math.min(to, end));
      }
      return n;
    }, repeats);
    const raw = timed(() => dbs.reduce((n, d) => n + rawCount(d.db, from, to), 0), Math.min(repeats, 5));
    if (raw.result !== perPartition.result) throw new Error(`count(*) ${raw.result} but partition counts say ${perPartition.result}`);
    reads.newestPageOfOutcome = { ...shown(page), rows: page.result };
    reads.rangeCountStar = { ...shown(raw), count: raw.result, fromUs: from, toUs: to, note: 'count(*) in every partition' };
    reads.rangeCountRollups = { ...shown(perPartition), count: perPartition.result, note: 'whole days: all-time rollup row; edge days: hourly rollups + edge count(*)' };
    reads.partitions = dbs.length;
    for (const d of dbs) d.db.close();
    catalog.close();
  }
}

const result = {
  name: values.name ?? layoutName,
  date: new Date().toISOString(),
  machine: {
    cores: (await import('node:os')).cpus().length,
    loadavgBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
    loadavgAfter: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
  },
  options: {
    layout: layoutName,
    rows: LIMIT,
    corpusRows: ROWS,
    rowsPerDay: ROWS_PER_DAY,
    commitRows: COMMIT_ROWS,
    pageSize: PAGE_SIZE,
    indexes: values.indexes,
    builtAtSeal: values.indexes === 'seal' ? SEAL_INDEXES : [],
    cacheMib: CACHE_MIB,
    openPartitions: layoutName === 'daily' ? OPEN_PARTITIONS : undefined,
    lateFraction: LATE_FRACTION,
    synchronous: 'FULL',
  },
  write: writeResult,
  reads,
};
rmSync(work, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (values.out) {
  const saved = existsSync(values.out) ? JSON.parse(readFileSync(values.out, 'utf8')) : { runs: [] };
  saved.runs = saved.runs.filter((r: { name: string }) => r.name !== result.name);
  saved.runs.push(result);
  mkdirSync(resolve(values.out, '..'), { recursive: true });
  writeFileSync(values.out, `${JSON.stringify(saved, null, 2)}\n`);
}
