import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database } from './driver.js';
import { registerQueryFunctions } from './query-language-sql.js';
import { foldCase } from './ledger-filter-sql.js';
import { DAY_US } from './org-policy.js';
import { migratePartition } from './partition-schema.js';
import { configureConnection } from './schema.js';

/**
 * The ledger's entries, one SQLite file per UTC day of their start time
 * (`<catalog>.partitions/YYYY-MM-DD.db`), as time-series stores keep blocks:
 * a write touches only its day's small B-trees whatever the ledger's size,
 * a query visits only the days its range overlaps, and retention deletes a
 * day by deleting its file. The listing is the source of truth: names parse
 * into ranges. Times before year 0 or after 9999 (hostile rows written
 * straight into the store; ingest refuses them) go to the first or last
 * day, whose range is open at that end.
 */

const DAY_MS = DAY_US / 1000;
function dayOfDate(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // Date.UTC reads years 0-99 as 1900-1999
  return Math.floor(d.getTime() / DAY_MS);
}
const MIN_DAY = dayOfDate(0, 1, 1);
const MAX_DAY = dayOfDate(9999, 12, 31);
const NAME = /^(\d{4})-(\d{2})-(\d{2})\.db$/;
const CREATING = '.tmp-for-creation';
const DELETING = '.tmp-for-deletion';

export interface Partition {
  /** `YYYY-MM-DD.db`. */
  name: string;
  /** Its range of start times [start_us, end_us); the first and last days are open-ended. */
  start_us: number;
  end_us: number;
}

function partitionDay(us: number): number {
  const day = Math.floor(us / DAY_US);
  return Number.isFinite(day) ? Math.min(MAX_DAY, Math.max(MIN_DAY, day)) : us > 0 ? MAX_DAY : MIN_DAY;
}

export function partitionName(us: number): string {
  return `${new Date(partitionDay(us) * DAY_MS).toISOString().slice(0, 10)}.db`;
}

export function partitionOf(name: string): Partition | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const day = dayOfDate(Number(m[1]), Number(m[2]), Number(m[3]));
  if (partitionName(day * DAY_US) !== name) return null;
  return {
    name,
    start_us: day <= MIN_DAY ? -Infinity : day * DAY_US,
    end_us: day >= MAX_DAY ? Infinity : (day + 1) * DAY_US,
  };
}

/** Whether a partition holds times in [from, to] (inclusive bounds, either open). */
export function overlaps(p: Partition, from: number | undefined, to: number | undefined): boolean {
  return (to === undefined || p.start_us <= to) && (from === undefined || p.end_us > from);
}

export function registerFold(db: Database): void {
  db.function('fold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? foldCase(s) : null));
  registerQueryFunctions(db);
}

export class PartitionFiles {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Every partition, oldest first. */
  list(): Partition[] {
    const out: Partition[] = [];
    for (const f of readdirSync(this.dir)) {
      const p = partitionOf(f);
      if (p) out.push(p);
    }
    return out.sort((a, b) => a.start_us - b.start_us);
  }

  /** Partitions overlapping [from, to], in the order asked. */
  overlapping(from: number | undefined, to: number | undefined, order: 'asc' | 'desc' = 'asc'): Partition[] {
    const list = this.list().filter((p) => overlaps(p, from, to));
    return order === 'asc' ? list : list.reverse();
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /**
   * Opens a partition for writing, creating it when new: built and closed
   * under a temporary name, then linked under its own (and the directory
   * synced), so a partition a reader can list always has its tables.
   */
  openForWrite(name: string, synchronous: 'FULL' | 'NORMAL', cacheMib: number): Database {
    const path = this.path(name);
    if (!existsSync(path)) {
      // Writer processes sharing the directory may create the same day at once: each builds its own
      // file, and a link (unlike a rename) never replaces one another put in place first.
      const tmp = `${path}.${process.pid}-${randomUUID()}${CREATING}`;
      try {
        const fresh = openDatabase(tmp);
        configureConnection(fresh, synchronous, cacheMib);
        migratePartition(fresh);
        fresh.close();
        linkSync(tmp, path);
        this.syncDir();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      } finally {
        for (const suffix of ['', '-wal', '-shm']) rmSync(tmp + suffix, { force: true });
      }
    }
    const db = openDatabase(path);
    configureConnection(db, synchronous, cacheMib);
    migratePartition(db);
    registerFold(db);
    return db;
  }

  /** Deletes a partition's files: renamed first, so a crash midway leaves a name no listing reads. */
  remove(name: string): void {
    const path = this.path(name);
    if (existsSync(path)) renameSync(path, path + DELETING);
    for (const suffix of [DELETING, '-wal', '-shm']) rmSync(path + suffix, { force: true });
    this.syncDir();
  }

  /** Leftovers of a creation or deletion a crash interrupted. */
  removeLeftovers(): void {
    for (const f of readdirSync(this.dir)) {
      if (f.endsWith(CREATING) || f.endsWith(DELETING) || f.endsWith(`${CREATING}-wal`) || f.endsWith(`${CREATING}-shm`)) {
        rmSync(join(this.dir, f), { force: true });
      }
    }
  }

  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
