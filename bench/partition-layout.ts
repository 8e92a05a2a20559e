import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeTraces } from '../collector/otlp/otlp-codec.js';
import { DEFAULT_DECODE_LIMITS } from '../collector/otlp/decode-limits.js';
import { normalizeRequest } from '../collector/normalize/normalize-request.js';
import { createPricing } from '../collector/pricing/pricing.js';
import type { EntryRecord } from '../model/ledger-entry.js';
import { openDatabase, type Database } from '../exporters/sqlite/driver.js';
import { foldCase } from '../exporters/sqlite/ledger-filter-sql.js';
import { queryLedger } from '../exporters/sqlite/ledger-reader.js';
import { ALL_TIME, HOUR_US } from '../exporters/sqlite/rollup-writer.js';
import { toWriteRow, type WriteRow } from '../exporters/sqlite/write-row.js';
import { ensureCorpus, readCorpus } from './corpus.js';
import { memoryOf, summarize, writtenBytes } from './measure.js';
import { DAY_US, DailyLayout, SEAL_INDEXES, SingleLayout, type Layout } from './partition-layouts.js';
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
const ORG = 'default';
function dirBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const f of readdirSync(dir)) {
    files++;
    bytes += statSync(join(dir, f)).size;
  }
  return { files, bytes };
}

/** This process's memory, rounded to MiB. */
function memory(): { rssMiB: number; peakMiB: number } {
  const m = memoryOf(process.pid);
  return { rssMiB: Math.round(m.rssMiB), peakMiB: Math.round(m.peakMiB) };
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
const layoutOptions = { pageSize: PAGE_SIZE, cacheMib: CACHE_MIB, buildAtSeal: values.indexes === 'seal', openPartitions: OPEN_PARTITIONS };
const layout: Layout = layoutName === 'single' ? new SingleLayout(work, layoutOptions) : new DailyLayout(work, layoutOptions);
const pricing = createPricing({});
const io0 = writtenBytes();
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
    const io = writtenBytes();
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
const ioEnd = writtenBytes();
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
  sealMs: layout instanceof DailyLayout ? layout.sealMs : [],
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
