import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AgentIngest } from '../exporters/sqlite/agent-ingest.js';
import { openDatabase, type Database, type Statement } from '../exporters/sqlite/driver.js';
import { EntryWriter, INSERT_ENTRY_SQL, INSERT_SEARCH_TERM_SQL } from '../exporters/sqlite/entry-writer.js';
import { FulltextIndexer } from '../exporters/sqlite/fulltext-index.js';
import { HOUR_US, RollupWriter } from '../exporters/sqlite/rollup-writer.js';
import { RunRollupWriter } from '../exporters/sqlite/run-rollup.js';
import { configureConnection, migrate } from '../exporters/sqlite/schema.js';
import type { WriteRow } from '../exporters/sqlite/write-row.js';

/** The candidate layouts of bench/partition-layout.ts (issue 15): today's one file, or a file per UTC day. */

export const DAY_US = 24 * HOUR_US;

/** Built at seal by `--indexes seal`: their keys are spread (random values, or one of hundreds of names or agents, then time), so every commit dirties pages all over them. */
export const SEAL_INDEXES = [
  'entries_org_outcome_ts',
  'entries_org_outcome_cost',
  'entries_org_name_ts',
  'entries_org_agent_ts',
  'entries_org_cost',
  'entries_org_duration',
];

export interface LayoutOptions {
  pageSize: number;
  cacheMib: number;
  /** Daily only: leave SEAL_INDEXES out while a day is written, build them when it is let go. */
  buildAtSeal: boolean;
  /** Daily only: how many day files the writer keeps open for late spans. */
  openPartitions: number;
}

export interface Layout {
  write(rows: WriteRow[]): void;
  openFiles(): number;
  close(): void;
}

/** schema.ts's connection settings, with the page size of a new file as chosen. */
function configure(db: Database, pageSize: number, cacheMib: number): void {
  if (pageSize === 16384) {
    configureConnection(db, 'FULL', cacheMib);
    return;
  }
  db.pragma(`page_size = ${pageSize}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`cache_size = ${-Math.round(cacheMib * 1024)}`);
  db.pragma('temp_store = MEMORY');
}

export class SingleLayout implements Layout {
  readonly db: Database;
  private readonly writer: EntryWriter;

  constructor(dir: string, options: LayoutOptions) {
    this.db = openDatabase(join(dir, 'ledger.db'));
    configure(this.db, options.pageSize, options.cacheMib);
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

  constructor(file: string, options: LayoutOptions) {
    const fresh = !existsSync(file);
    this.db = openDatabase(file);
    configure(this.db, options.pageSize, options.cacheMib);
    migrate(this.db);
    // the catalog's legacy table predates `entities` (partition-schema.ts adds it to day files): the bench writes the same row
    if (!(this.db.prepare("SELECT 1 FROM pragma_table_info('entries') WHERE name = 'entities'").get())) this.db.exec('ALTER TABLE entries ADD COLUMN entities TEXT');
    if (options.buildAtSeal && fresh) {
      for (const index of SEAL_INDEXES) {
        this.unbuilt.push(this.db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?").pluck().get(index) as string);
        this.db.exec(`DROP INDEX ${index}`);
      }
    }
    this.insertEntry = this.db.prepare(INSERT_ENTRY_SQL);
    this.insertTerm = this.db.prepare(INSERT_SEARCH_TERM_SQL);
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

  /** Builds the indexes left out while the file was written (by sort, once), then closes it; returns the build's ms, or null. */
  seal(): number | null {
    let ms: number | null = null;
    if (this.unbuilt.length) {
      const t = performance.now();
      this.db.transaction(() => {
        for (const sql of this.unbuilt) this.db.exec(sql);
      })();
      ms = Math.round(performance.now() - t);
    }
    this.db.close();
    return ms;
  }
}

export class DailyLayout implements Layout {
  readonly catalog: Database;
  private readonly runs: RunRollupWriter;
  private readonly agents: AgentIngest;
  /** Open day files, least recently written first. */
  private readonly open = new Map<number, Partition>();
  private readonly seen = new Set<number>();
  reopened = 0;
  /** How long each seal's index build took. */
  readonly sealMs: number[] = [];

  constructor(
    private readonly dir: string,
    private readonly options: LayoutOptions,
  ) {
    this.catalog = openDatabase(join(dir, 'catalog.db'));
    configure(this.catalog, options.pageSize, 64);
    migrate(this.catalog);
    this.runs = new RunRollupWriter(this.catalog);
    this.agents = new AgentIngest(this.catalog, { trust_half_life_days: 30, now: () => Date.now() * 1000 });
  }

  private seal(p: Partition): void {
    const ms = p.seal();
    if (ms !== null) this.sealMs.push(ms);
  }

  private partition(day: number): Partition {
    let p = this.open.get(day);
    if (p) {
      this.open.delete(day);
    } else {
      if (this.seen.has(day)) this.reopened++;
      this.seen.add(day);
      p = new Partition(join(this.dir, `day-${new Date(day * 86_400_000).toISOString().slice(0, 10)}.db`), this.options);
      if (this.open.size >= this.options.openPartitions) {
        const [oldest, q] = this.open.entries().next().value as [number, Partition];
        this.seal(q);
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
    for (const p of this.open.values()) this.seal(p);
    this.open.clear();
    this.catalog.close();
  }
}
