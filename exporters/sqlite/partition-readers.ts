import { existsSync } from 'node:fs';
import { openDatabase, type Database } from './driver.js';
import { registerFold, type Partition, type PartitionFiles } from './partition-files.js';

/** Read connections to partitions, for the readers that fan out over them. */
export interface LedgerPartitions {
  /** Connections to the partitions overlapping [from, to] (inclusive, either open), newest first. */
  newestFirst(from?: number, to?: number): Iterable<Database>;
  /** The same, oldest first. */
  oldestFirst(from?: number, to?: number): Iterable<Database>;
  /** The partitions overlapping [from, to], oldest first, with their connections opened on demand. */
  overlapping(from?: number, to?: number): Array<Partition & { db: () => Database }>;
  /** `compute`'s count for `key` on this connection, reused while the partition is unchanged. */
  cachedCount(db: Database, key: string, compute: () => number): number;
}

/**
 * Read connections kept open: enough for a year and a half of days, so a
 * query over the whole retention opens each file once (~0.5 ms) and none is
 * closed under a running query; 6 descriptors each (the file and the
 * attached catalog, with their WAL and shared memory). Idle ones close.
 */
const MAX_OPEN = 512;
const IDLE_MS = 60_000;
/** Page cache per connection, and for its attached catalog (KiB): queries read a few pages of most days. */
const CACHE_KIB = 2048;
const CATALOG_CACHE_KIB = 512;
/** Filters whose counts a partition's connection keeps. */
const MAX_COUNTS = 256;

/**
 * Read-only connections to partition files, least recently used closed past
 * MAX_OPEN. Each attaches the catalog as `catalog`: the run status an entry
 * shows is its whole run's, and `runs` in a partition's queries resolves to
 * the catalog's (a partition keeps only `run_parts`).
 */
export class PartitionReaders implements LedgerPartitions {
  private readonly open = new Map<string, { db: Database; used: number }>();
  private readonly counts = new WeakMap<Database, { version: number; counts: Map<string, number> }>();
  private readonly idleTimer: NodeJS.Timeout;

  constructor(
    private readonly files: PartitionFiles,
    private readonly catalogFile: string,
  ) {
    this.idleTimer = setInterval(() => this.closeIdle(Date.now() - IDLE_MS), IDLE_MS);
    this.idleTimer.unref();
  }

  overlapping(from?: number, to?: number): Array<Partition & { db: () => Database }> {
    return this.files.overlapping(from, to).map((p) => ({ ...p, db: () => this.connection(p.name) }));
  }

  *newestFirst(from?: number, to?: number): Iterable<Database> {
    for (const p of this.files.overlapping(from, to, 'desc')) yield this.connection(p.name);
  }

  *oldestFirst(from?: number, to?: number): Iterable<Database> {
    for (const p of this.files.overlapping(from, to, 'asc')) yield this.connection(p.name);
  }

  connection(name: string): Database {
    const held = this.open.get(name);
    if (held) {
      // most recently used last
      this.open.delete(name);
      this.open.set(name, held);
      held.used = Date.now();
      return held.db;
    }
    const path = this.files.path(name);
    if (!existsSync(path)) throw new Error(`partition ${name} is gone`);
    const db = openDatabase(path, { readonly: true });
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = ${-CACHE_KIB}`);
    registerFold(db);
    db.prepare('ATTACH DATABASE ? AS catalog').run(this.catalogFile);
    db.pragma(`catalog.cache_size = ${-CATALOG_CACHE_KIB}`);
    this.open.set(name, { db, used: Date.now() });
    if (this.open.size > MAX_OPEN) this.closeOne(this.open.keys().next().value!);
    return db;
  }

  /**
   * A count over a partition, kept until another connection commits to it
   * (`PRAGMA data_version`): past days rarely change, and investigators page
   * through the same filter, so its count over them is computed once.
   */
  cachedCount(db: Database, key: string, compute: () => number): number {
    const version = db.pragma('data_version', { simple: true }) as number;
    let cache = this.counts.get(db);
    if (!cache || cache.version !== version) this.counts.set(db, (cache = { version, counts: new Map() }));
    let n = cache.counts.get(key);
    if (n === undefined) {
      if (cache.counts.size >= MAX_COUNTS) cache.counts.clear();
      cache.counts.set(key, (n = compute()));
    }
    return n;
  }

  /** Closes a dropped partition's connection (its file is already unlinked). */
  closeOne(name: string): void {
    const held = this.open.get(name);
    this.open.delete(name);
    held?.db.close();
  }

  private closeIdle(before: number): void {
    for (const [name, held] of [...this.open]) if (held.used < before) this.closeOne(name);
  }

  /** Closes connections to partitions no longer listed. */
  forgetDropped(): void {
    const listed = new Set(this.files.list().map((p) => p.name));
    for (const name of [...this.open.keys()]) if (!listed.has(name)) this.closeOne(name);
  }

  close(): void {
    clearInterval(this.idleTimer);
    for (const name of [...this.open.keys()]) this.closeOne(name);
  }
}
