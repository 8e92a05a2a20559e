import { existsSync, statSync } from 'node:fs';
import { openDatabase, type Database } from './driver.js';
import { registerFold, type Partition, type PartitionFiles } from './partition-files.js';

/** Read connections to partitions, for the readers that fan out over them. */
export interface LedgerPartitions {
  /** Connections to the partitions overlapping [from, to] (inclusive, either open), newest first. */
  newestFirst(from?: number, to?: number): Iterable<Database>;
  /** The same, oldest first. */
  oldestFirst(from?: number, to?: number): Iterable<Database>;
  /** The partitions overlapping [from, to], oldest first, with their connections. */
  overlapping(from?: number, to?: number): Array<Partition & { db: Database }>;
  /**
   * Keeps a connection open across awaits (an export between its chunks)
   * even if its partition is dropped or the connection evicted meanwhile;
   * call the returned function when done.
   */
  hold(db: Database): () => void;
  /** `compute`'s answer for `key` on this connection, reused while the partition is unchanged. */
  cached<T>(db: Database, key: string, compute: () => T): T;
}

interface Reader {
  name: string;
  db: Database;
  /** The file's inode when opened: a partition dropped and written again is another file. */
  ino: number;
  used: number;
  holds: number;
  /** Closed when the last hold ends. */
  retired: boolean;
}

/**
 * Read connections kept open: enough for a year and a half of days, so a
 * query over the whole retention opens each file once (~0.5 ms); 6
 * descriptors each (the file and the attached catalog, with their WAL and
 * shared memory). Idle ones close.
 */
const MAX_OPEN = 512;
const IDLE_MS = 60_000;
/** Page cache per connection, and for its attached catalog (KiB): queries read a few pages of most days. */
const CACHE_KIB = 2048;
const CATALOG_CACHE_KIB = 512;
/** Answers a partition's connection keeps. */
const MAX_ANSWERS = 256;
/**
 * Rows of kept answers over every connection (a count weighs 1, a list its
 * length): runs matching a common term are ~4k a day, so a reader asking
 * many different terms cannot grow the heap without bound (~100 B a row).
 */
const MAX_KEPT_ROWS = 1_000_000;

/**
 * Read-only connections to partition files, least recently used closed past
 * MAX_OPEN, idle ones after IDLE_MS. Each attaches the catalog as `catalog`: the run status an entry
 * shows is its whole run's, and `runs` in a partition's queries resolves to
 * the catalog's (a partition keeps only `run_parts`).
 *
 * Retention may delete a partition between its listing and its reading
 * (another thread or process sweeps): a partition gone by then is skipped,
 * as its rows are; one dropped and founded again by a late span is another
 * file (inode), so a connection kept from before is reopened, never read.
 */
export class PartitionReaders implements LedgerPartitions {
  private readonly open = new Map<string, Reader>();
  private readonly held = new Map<Database, Reader>();
  private readonly answers = new WeakMap<Database, { version: number; answers: Map<string, unknown>; rows: number }>();
  /** Connections with kept answers, and the rows they keep in all. */
  private readonly keeping = new Set<Database>();
  private keptRows = 0;
  private readonly idleTimer: NodeJS.Timeout;

  constructor(
    private readonly files: PartitionFiles,
    private readonly catalogFile: string,
  ) {
    this.idleTimer = setInterval(() => this.closeIdle(Date.now() - IDLE_MS), IDLE_MS);
    this.idleTimer.unref();
  }

  overlapping(from?: number, to?: number): Array<Partition & { db: Database }> {
    const out: Array<Partition & { db: Database }> = [];
    for (const p of this.files.overlapping(from, to)) {
      const db = this.connection(p.name);
      if (db) out.push({ ...p, db });
    }
    return out;
  }

  *newestFirst(from?: number, to?: number): Iterable<Database> {
    for (const p of this.files.overlapping(from, to, 'desc')) {
      const db = this.connection(p.name);
      if (db) yield db;
    }
  }

  *oldestFirst(from?: number, to?: number): Iterable<Database> {
    for (const p of this.files.overlapping(from, to, 'asc')) {
      const db = this.connection(p.name);
      if (db) yield db;
    }
  }

  /** A partition's connection; null when the partition is gone (dropped since it was listed). */
  connection(name: string): Database | null {
    const path = this.files.path(name);
    // the inode before the open: a file replaced in between is seen as changed next time, never the reverse
    const ino = statSync(path, { throwIfNoEntry: false })?.ino;
    const known = this.open.get(name);
    if (known && known.ino === ino) {
      // most recently used last
      this.open.delete(name);
      this.open.set(name, known);
      known.used = Date.now();
      return known.db;
    }
    if (known) this.closeOne(name);
    if (ino === undefined) return null;
    let db: Database;
    try {
      db = openDatabase(path, { readonly: true, fileMustExist: true });
    } catch (err) {
      if (!existsSync(path)) return null;
      throw err;
    }
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = ${-CACHE_KIB}`);
    registerFold(db);
    db.prepare('ATTACH DATABASE ? AS catalog').run(this.catalogFile);
    db.pragma(`catalog.cache_size = ${-CATALOG_CACHE_KIB}`);
    this.open.set(name, { name, db, ino, used: Date.now(), holds: 0, retired: false });
    if (this.open.size > MAX_OPEN) this.closeOne(this.open.keys().next().value!);
    return db;
  }

  hold(db: Database): () => void {
    const reader = this.held.get(db) ?? [...this.open.values()].find((r) => r.db === db);
    if (!reader) return () => undefined;
    reader.holds++;
    this.held.set(db, reader);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--reader.holds > 0) return;
      this.held.delete(db);
      if (reader.retired) db.close();
    };
  }

  /**
   * An answer over a partition (a count, its stats rollups, its runs
   * matching `q`), kept until another connection commits to it (`PRAGMA
   * data_version`): past days rarely change, and investigators page through
   * the same filter, so its answer over them is computed once.
   */
  cached<T>(db: Database, key: string, compute: () => T): T {
    const version = db.pragma('data_version', { simple: true }) as number;
    let cache = this.answers.get(db);
    if (cache?.version === version && cache.answers.has(key)) return cache.answers.get(key) as T;
    if (!cache || cache.version !== version || cache.answers.size >= MAX_ANSWERS) {
      this.forgetAnswers(db);
      this.answers.set(db, (cache = { version, answers: new Map(), rows: 0 }));
    }
    const answer = compute();
    const rows = Array.isArray(answer) ? answer.length : 1;
    if (this.keptRows + rows > MAX_KEPT_ROWS) for (const kept of [...this.keeping]) this.forgetAnswers(kept);
    if (rows <= MAX_KEPT_ROWS) {
      cache = this.answers.get(db) ?? { version, answers: new Map(), rows: 0 };
      this.answers.set(db, cache);
      cache.answers.set(key, answer);
      cache.rows += rows;
      this.keptRows += rows;
      this.keeping.add(db);
    }
    return answer;
  }

  private forgetAnswers(db: Database): void {
    const cache = this.answers.get(db);
    if (cache) this.keptRows -= cache.rows;
    this.answers.delete(db);
    this.keeping.delete(db);
  }

  private closeIdle(before: number): void {
    for (const [name, reader] of [...this.open]) if (reader.used < before) this.closeOne(name);
  }

  /** Stops using a partition's connection: closed now, or when its last hold ends (an unlinked file stays readable until then). */
  closeOne(name: string): void {
    const reader = this.open.get(name);
    if (!reader) return;
    this.forgetAnswers(reader.db);
    this.open.delete(name);
    if (reader.holds > 0) reader.retired = true;
    else reader.db.close();
  }

  /** Closes connections to partitions no longer listed. */
  forgetDropped(): void {
    const listed = new Set(this.files.list().map((p) => p.name));
    for (const name of [...this.open.keys()]) if (!listed.has(name)) this.closeOne(name);
  }

  close(): void {
    clearInterval(this.idleTimer);
    for (const name of [...this.open.keys()]) this.closeOne(name);
    for (const reader of this.held.values()) if (reader.db.open) reader.db.close();
    this.held.clear();
  }
}
