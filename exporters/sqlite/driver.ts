import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

const require = createRequire(import.meta.url);

export type Database = BetterSqlite3.Database;
export type Statement = BetterSqlite3.Statement;

/**
 * better-sqlite3 13 ships Node-API prebuilds and works on Node 22+, but
 * crashes on Node 20; 12 aborts on Node 24 (upstream bug). So one install
 * carries both and we pick by the running Node.
 */
export function openDatabase(file: string, options: BetterSqlite3.Options = {}): Database {
  const major = Number(process.versions.node.split('.')[0]);
  const driver: typeof BetterSqlite3 = major >= 22 ? require('better-sqlite3') : require('better-sqlite3-v12');
  return new driver(file, options);
}
