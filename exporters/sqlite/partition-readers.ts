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
}

interface Reader {
  name: string;
  db: Database;
  /** The file's inode when opened: a partition dropped and written again is another file. */
  ino: number;
  holds: number;
  /** Closed when the last hold ends. */
  retired: boolean;
}

/** Open read connections kept: a six-month fan-out reopens files, measured ~0.5 ms each. */
const MAX_OPEN = 64;

/**
 * Read-only connections to partition files, least recently used closed past
 * MAX_OPEN. Each attaches the catalog as `catalog`: the run status an entry
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

  constructor(
    private readonly files: PartitionFiles,
    private readonly catalogFile: string,
    private readonly cacheMib = 8,
  ) {}

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
    db.pragma(`cache_size = ${-this.cacheMib * 1024}`);
    registerFold(db);
    db.prepare('ATTACH DATABASE ? AS catalog').run(this.catalogFile);
    this.open.set(name, { name, db, ino, holds: 0, retired: false });
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

  /** Stops using a partition's connection: closed now, or when its last hold ends (an unlinked file stays readable until then). */
  closeOne(name: string): void {
    const reader = this.open.get(name);
    if (!reader) return;
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
    for (const name of [...this.open.keys()]) this.closeOne(name);
    for (const reader of this.held.values()) if (reader.db.open) reader.db.close();
    this.held.clear();
  }
}
