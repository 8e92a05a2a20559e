import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../exporters/sqlite/driver.js';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { migrate } from '../../exporters/sqlite/schema.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';

/** Kept per partition before partitions: copied back into the single file, summed over days. */
const ROLLUPS = ['rollup_outcome', 'rollup_agent', 'rollup_name', 'rollup_duration'];
/** Tables an old file has that this helper leaves as `migrate` made them. */
const LEFT_AS_MIGRATED = new Set(['entries_fts', 'ledger_meta', 'retention_sweep', 'ledger_partitions']);

const columnsOf = (db: Database, schema: string, table: string) =>
  db.prepare('SELECT name FROM pragma_table_info(?, ?)').pluck().all(table, schema) as string[];
const tablesOf = (db: Database, schema: string) =>
  db.prepare(`SELECT name FROM ${schema}.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];

/**
 * A single-file ledger (entries in the one database, no partitions) at schema
 * `version` (MIGRATIONS applied), holding what the current writer keeps for
 * `entries` written in this order: entries in write order (their seq), runs,
 * rollups summed over days, search terms, organizations, agents and their
 * streams. Columns the old shape names `cost_micros` get the nano-USD value
 * / 1000, refused when that is not exact. `except` names tables left empty
 * (a test that writes its own legacy shape of them).
 */
export async function writeSingleFileLedger(file: string, entries: readonly EntryRecord[], version: number, except: string[] = []): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'single-file-source-'));
  try {
    const source = join(scratch, 'ledger.db');
    const store = await createSqliteStore({ file: source, writer: 'inline' });
    await store.ledger.write([...entries]);
    await store.close();

    const db = openDatabase(file);
    try {
      migrate(db, version);
      const skip = new Set([...except, ...LEFT_AS_MIGRATED]);
      db.exec(`ATTACH '${source}' AS src`);
      const fromCatalog = tablesOf(db, 'src');
      db.transaction(() => {
        for (const table of tablesOf(db, 'main')) {
          if (skip.has(table) || !fromCatalog.includes(table)) continue;
          copy(db, 'src', table, 'plain');
        }
      })();
      db.exec('DETACH src');

      const order = new Map<string, number>();
      entries.forEach((e, i) => order.has(e.id) || order.set(e.id, i));
      const rows: Array<Record<string, unknown>> = [];
      const dir = partitionsDirOf(source);
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.db'))) {
        db.exec(`ATTACH '${join(dir, name)}' AS p`);
        db.transaction(() => {
          for (const table of ROLLUPS) if (!skip.has(table)) copy(db, 'p', table, 'sum');
          if (!skip.has('search_terms')) copy(db, 'p', 'search_terms', 'ignore');
        })();
        rows.push(...(db.prepare('SELECT * FROM p.entries').all() as Array<Record<string, unknown>>));
        db.exec('DETACH p');
      }
      if (!skip.has('entries')) {
        rows.sort((a, b) => order.get(a.id as string)! - order.get(b.id as string)!);
        const columns = columnsOf(db, 'main', 'entries').filter((c) => c !== 'seq');
        const insert = db.prepare(`INSERT INTO entries (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        db.transaction(() => {
          for (const row of rows) insert.run(columns.map((c) => (c === 'cost_micros' ? micros(row.cost_nanos as number) : row[c])));
        })();
      }
      // the old writer's payload index is rebuilt from the entries at start
      if (tablesOf(db, 'main').includes('ledger_meta')) db.prepare("UPDATE ledger_meta SET value = 'stale' WHERE key = 'fulltext'").run();
    } finally {
      db.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function micros(nanos: number): number {
  if (nanos % 1000 !== 0) throw new Error(`a cost of ${nanos} nano-USD has no exact micro-USD value: the old shape cannot hold it`);
  return nanos / 1000;
}

/** Copies the columns both sides have; `sum` adds the counters of rows with the same key, `ignore` keeps the first. */
function copy(db: Database, from: string, table: string, mode: 'plain' | 'sum' | 'ignore'): void {
  const source = columnsOf(db, from, table);
  const target = columnsOf(db, 'main', table);
  const pairs = target.flatMap((c): Array<[string, string]> => {
    if (source.includes(c)) return [[c, c]];
    if (c === 'cost_micros' && source.includes('cost_nanos')) return [[c, 'cost_nanos / 1000']];
    return [];
  });
  if (target.includes('cost_micros')) {
    const inexact = db.prepare(`SELECT count(*) FROM ${from}.${table} WHERE cost_nanos % 1000 <> 0`).pluck().get() as number;
    if (inexact > 0) throw new Error(`${table}: ${inexact} costs have no exact micro-USD value`);
  }
  const into = pairs.map(([c]) => c).join(', ');
  const select = `SELECT ${pairs.map(([, s]) => s).join(', ')} FROM ${from}.${table} WHERE true`;
  if (mode === 'plain') db.exec(`INSERT INTO main.${table} (${into}) ${select}`);
  else if (mode === 'ignore') db.exec(`INSERT OR IGNORE INTO main.${table} (${into}) ${select}`);
  else {
    const keys = db.prepare("SELECT name FROM pragma_table_info(?, 'main') WHERE pk > 0").pluck().all(table) as string[];
    const counters = pairs.map(([c]) => c).filter((c) => !keys.includes(c));
    db.exec(`INSERT INTO main.${table} (${into}) ${select}
      ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${counters.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`);
  }
}
