import { existsSync } from 'node:fs';
import { CatalogApplier } from './catalog-apply.js';
import type { Database } from './driver.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import { LogJoin } from './log-join.js';
import { EntryWriter, type InsertedRow } from './entry-writer.js';
import { FulltextIndexer, fulltextState } from './fulltext-index.js';
import { partitionName, type PartitionFiles } from './partition-files.js';
import type { WriteRow } from './write-row.js';

export interface PartitionedWriterOptions {
  synchronous: 'FULL' | 'NORMAL';
  fulltext: boolean;
  /** Page cache of each open partition's connection, MiB (sqlite.writer_cache_mib). */
  cacheMib: number;
  trustHalfLifeDays: number;
  now?: () => number;
}

interface OpenPartition {
  db: Database;
  writer: EntryWriter;
  used: number;
}

/** Partitions a writer keeps open: the day being written and a few late ones. */
const OPEN_PARTITIONS = 4;

/**
 * The one writer of a ledger's partitions and of the catalog's run and agent
 * state. Each group of batches goes, per partition its rows fall in (usually
 * one, two at midnight), into one transaction of that partition; then one
 * catalog transaction applies what was inserted (catalog-apply.ts).
 */
export class PartitionedWriter {
  private readonly open = new Map<string, OpenPartition>();
  private readonly catalog: CatalogApplier;
  /** Partitions a failed write may have left past the catalog's mark: caught up before the next write or sweep. */
  private readonly behind = new Set<string>();
  private clock = 0;
  private readonly join: LogJoin;

  constructor(
    catalogDb: Database,
    readonly files: PartitionFiles,
    private readonly options: PartitionedWriterOptions,
  ) {
    this.catalog = new CatalogApplier(catalogDb, {
      trust_half_life_days: options.trustHalfLifeDays,
      now: options.now ?? (() => Date.now() * 1000),
    });
    this.join = new LogJoin({ partition: (name) => this.partition(name), exists: (name) => existsSync(files.path(name)) }, options.fulltext);
  }

  /** GenAI log events, for the entries of their spans (log-join.ts). */
  writeLogMessages(messages: readonly LogMessageRecord[]): void {
    this.join.write(messages);
    this.trim();
  }

  /**
   * At start: applies every partition's rows the catalog has not (a crash
   * between the two commits), and indexes for full text the partitions
   * written while the index was off (sqlite.fulltext), so `q` answers again.
   */
  catchUpAll(): number {
    let applied = 0;
    for (const p of this.files.list()) {
      const writing = this.open.get(p.name);
      const db = writing?.db ?? this.files.openForWrite(p.name, this.options.synchronous, 8);
      try {
        applied += this.catalog.catchUp(p.name, db);
        if (this.options.fulltext && fulltextState(db) === 'stale') new FulltextIndexer(db, true);
      } finally {
        if (!writing) db.close();
      }
    }
    return applied;
  }

  /**
   * Several batches, one transaction per partition touched; returns how many
   * entries of each batch were new. Rows a failed write left past the
   * catalog's mark are applied first, whatever days this write touches:
   * readers see them now, and runs keep "first written wins".
   */
  writeGroups(groups: ReadonlyArray<readonly WriteRow[]>): number[] {
    this.catchUpBehind();
    const byPartition = new Map<string, WriteRow[]>();
    const groupOf = new Map<WriteRow, number>();
    const orderOf = new Map<WriteRow, number>();
    groups.forEach((rows, g) => {
      for (const row of rows) {
        orderOf.set(row, orderOf.size);
        const name = partitionName(row.start_us);
        let list = byPartition.get(name);
        if (!list) byPartition.set(name, (list = []));
        list.push(row);
        groupOf.set(row, g);
      }
    });
    const writes: Array<{ partition: string; db: Database; rows: InsertedRow[] }> = [];
    for (const [name, rows] of byPartition) {
      const p = this.partition(name);
      this.behind.add(name); // until the catalog has this write
      writes.push({ partition: name, db: p.db, rows: p.writer.write(rows, (fresh) => this.join.afterInsert(name, p.db, fresh.map((f) => f.row))) });
    }
    // partitions' rows are committed: a failure from here on is caught up by the next write or start
    this.catalog.apply(writes, (row) => orderOf.get(row)!);
    for (const name of byPartition.keys()) this.behind.delete(name);
    this.trim();
    const counts = groups.map(() => 0);
    for (const w of writes) for (const { row } of w.rows) counts[groupOf.get(row)!]++;
    return counts;
  }

  /**
   * Rows the catalog already accounts for (a single-file ledger moved into
   * partitions): written to their partitions, nothing applied.
   */
  importRows(rows: readonly WriteRow[]): void {
    const byPartition = new Map<string, WriteRow[]>();
    for (const row of rows) {
      const name = partitionName(row.start_us);
      const list = byPartition.get(name);
      if (list) list.push(row);
      else byPartition.set(name, [row]);
    }
    for (const [name, list] of byPartition) this.partition(name).writer.write(list);
    this.trim();
  }

  /** Applies what failed writes left in partitions past the catalog's mark; before retention takes rows out, too. */
  catchUpBehind(): void {
    for (const name of [...this.behind]) {
      if (existsSync(this.files.path(name))) {
        const { db } = this.partition(name);
        if (this.catalog.appliedSeq(name) < lastSeq(db)) this.catalog.catchUp(name, db);
      }
      this.behind.delete(name);
    }
  }

  /** Closes the least recently used partitions past OPEN_PARTITIONS: after a write, never under one. */
  trim(): void {
    const idle = [...this.open.entries()].sort((a, b) => a[1].used - b[1].used);
    for (const [name] of idle.slice(0, Math.max(0, idle.length - OPEN_PARTITIONS))) this.closePartition(name);
  }

  /** The open connection of a partition (created when new; trim closes the least recently used). */
  partition(name: string): OpenPartition {
    let p = this.open.get(name);
    if (!p) {
      const db = this.files.openForWrite(name, this.options.synchronous, this.options.cacheMib);
      p = { db, writer: new EntryWriter(db, { fulltext: this.options.fulltext }), used: ++this.clock };
      this.open.set(name, p);
    }
    p.used = ++this.clock;
    return p;
  }

  closePartition(name: string): void {
    const p = this.open.get(name);
    if (!p) return;
    this.open.delete(name);
    p.db.close();
  }

  /** Statistics for the planner, on the partitions being written. */
  optimize(): void {
    for (const p of this.open.values()) p.db.pragma('optimize');
  }

  close(): void {
    for (const name of [...this.open.keys()]) this.closePartition(name);
  }
}

/** The highest seq a partition ever handed out (AUTOINCREMENT keeps it after deletes). */
export function lastSeq(db: Database): number {
  return (db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'entries'").pluck().get() as number | undefined) ?? 0;
}
