import { conversationIdOf } from '../../collector/normalize/conversation-id.js';
import type { LedgerTail, TailEntry, TailPosition } from '../store.js';
import type { Database, Statement } from './driver.js';
import { ENTRY_COLUMNS, ENTRY_FROM, entryJsonFromRow, entryRowOf } from './entry-row.js';
import { DAY_US } from './org-policy.js';
import { partitionName, partitionOf, type PartitionFiles } from './partition-files.js';
import type { PartitionReaders } from './partition-readers.js';

const DAY_MS = DAY_US / 1000;
const VERSION = 1;
/** A position names at most one mark per day file: ~30 years of days, far past any retention. */
const MAX_MARKS = 12_000;

/**
 * The embedded ledger in ingest order. Each day file numbers its rows with an
 * AUTOINCREMENT `seq` inside the write transaction, and SQLite commits one
 * file's writers one at a time, so within a file rows become visible in seq
 * order: a position is the last seq seen per file, and the rows past it are
 * exactly those not yet seen, a late span written into an old day included
 * (its day's mark is behind). Across files there is no order to keep, so a
 * read goes through them oldest first.
 *
 * Not covered: a day that retention dropped and a late span then founded
 * again restarts at seq 1, below an old position's mark for that day (only
 * spans older than the retention, which ingest's time window normally refuses).
 */
export class SqliteLedgerTail implements LedgerTail {
  constructor(
    private readonly files: PartitionFiles,
    private readonly readers: PartitionReaders,
  ) {}

  head(): TailPosition {
    const head = new Map<string, number>();
    for (const p of this.files.list()) {
      const db = this.readers.connection(p.name);
      const seq = db ? this.maxSeq(db) : 0;
      if (seq) head.set(p.name, seq);
    }
    return head;
  }

  read(from: TailPosition, limit: number, until?: TailPosition): TailEntry[] {
    const out: TailEntry[] = [];
    for (const p of this.files.list()) {
      if (out.length >= limit) break;
      const after = from.get(p.name) ?? 0;
      const upTo = until ? (until.get(p.name) ?? 0) : Number.MAX_SAFE_INTEGER;
      if (upTo <= after) continue;
      const db = this.readers.connection(p.name);
      if (db && this.maxSeq(db) > after) out.push(...readRows(db, p.name, after, upTo, limit - out.length));
    }
    return out;
  }

  /** A file's highest seq, kept until someone writes to it: a poll skips the files nobody wrote since (most of them). */
  private maxSeq(db: Database): number {
    return this.readers.cached(db, 'tail: max seq', () => (statement(db, 'SELECT coalesce(max(seq), 0) FROM entries').pluck().get() as number) ?? 0);
  }

  /** base64url of: a version byte, then per day file (oldest first) the day's distance from the previous one and its seq, as varints. */
  encode(position: TailPosition): string {
    const marks = [...position].map(([name, seq]) => [dayOf(name), seq] as const);
    // positions grow oldest day first: sort only when they did not
    if (marks.some((m, i) => i > 0 && m[0] < marks[i - 1][0])) marks.sort((a, b) => a[0] - b[0]);
    const bytes: number[] = [VERSION];
    let previous = 0;
    marks.forEach(([day, seq], i) => {
      // the first day may precede 1970: zigzag it
      if (i === 0) pushVarint(bytes, day >= 0 ? day * 2 : -day * 2 - 1);
      else pushVarint(bytes, day - previous);
      pushVarint(bytes, seq);
      previous = day;
    });
    return Buffer.from(bytes).toString('base64url');
  }

  decode(text: string): TailPosition | null {
    if (!/^[A-Za-z0-9_-]{2,65536}$/.test(text)) return null;
    const bytes = Buffer.from(text, 'base64url');
    if (bytes.toString('base64url') !== text || bytes[0] !== VERSION) return null;
    const position = new Map<string, number>();
    const cursor = { at: 1 };
    let day = 0;
    while (cursor.at < bytes.length) {
      const step = readVarint(bytes, cursor);
      const seq = readVarint(bytes, cursor);
      if (step === null || seq === null || seq === 0) return null;
      if (position.size === 0) day = step % 2 === 0 ? step / 2 : -(step + 1) / 2;
      else if (step === 0) return null;
      else day += step;
      const name = partitionName(day * DAY_US);
      if (dayOf(name) !== day || position.size >= MAX_MARKS) return null;
      position.set(name, seq);
    }
    return position;
  }
}

const statements = new WeakMap<Database, Map<string, Statement>>();

/** A connection's statement, prepared once: a poll visits every day file each second. */
function statement(db: Database, sql: string): Statement {
  let mine = statements.get(db);
  if (!mine) statements.set(db, (mine = new Map()));
  let stmt = mine.get(sql);
  if (!stmt) mine.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

const ROWS_SQL = `SELECT e.seq, e.user_id, ${ENTRY_COLUMNS} FROM ${ENTRY_FROM} WHERE e.seq > ? AND e.seq <= ? ORDER BY e.seq LIMIT ?`;

function readRows(db: Database, source: string, after: number, upTo: number, limit: number): TailEntry[] {
  const rows = statement(db, ROWS_SQL)
    .raw()
    .all(after, upTo, limit) as unknown[][];
  return rows.map((v) => {
    const row = entryRowOf(v.slice(2));
    return {
      source,
      seq: v[0] as number,
      user_id: v[1] as string | null,
      organization_id: row.organization_id,
      outcome: row.outcome,
      name: row.name,
      agent_id: row.agent_id,
      run_id: row.run_id,
      cost_nanos: row.cost_nanos,
      ts_us: row.ts_us,
      kind: row.kind,
      model: row.model,
      provider: row.provider,
      service_name: row.service_name,
      tags: JSON.parse(row.tags) as string[],
      conversation_id: conversationIdOf(JSON.parse(row.attributes)),
      entities: row.entities === null ? {} : JSON.parse(row.entities),
      json: entryJsonFromRow(row),
    };
  });
}

const days = new Map<string, number>();

function dayOf(name: string): number {
  let day = days.get(name);
  if (day !== undefined) return day;
  if (!partitionOf(name)) throw new Error(`not a partition name: ${name}`);
  day = Math.round(Date.parse(`${name.slice(0, 10)}T00:00:00Z`) / DAY_MS);
  // names come from day files and decoded positions: bounded, but not trusted to be few
  if (days.size >= MAX_MARKS) days.clear();
  days.set(name, day);
  return day;
}

function pushVarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** An unsigned varint of at most 7 bytes (< 2^49: safe integers), or null. */
function readVarint(bytes: Buffer, cursor: { at: number }): number | null {
  let n = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (cursor.at >= bytes.length) return null;
    const b = bytes[cursor.at++];
    n += (b & 0x7f) * scale;
    if (b < 0x80) return i > 0 && b === 0 ? null : n;
    scale *= 0x80;
  }
  return null;
}
