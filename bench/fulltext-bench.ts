import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { startServerProcess } from '../tests/helpers/server-process.js';
import { runIngest, type IngestResult } from './ingest-bench.js';
import type { QueryPattern } from './query-bench.js';

/**
 * Full-text `q` benchmarks: the query patterns the issue names, ingest with
 * the payload index switched off (for the on/off ratio), and the index's size.
 */

/** The corpus (traffic-generator.ts): ids C-0…C-99999 (a handful of entries each), 40 English words (most entries hold each), a CJK sentence every 97th tool call. */
export function fullTextPatterns(endIso: string, weekStartIso: string): QueryPattern[] {
  const q = (name: string, query: Record<string, string>, path = '/api/v1/ledger'): QueryPattern => ({
    name: `q: ${name}`,
    path: `${path}?${new URLSearchParams(query)}`,
  });
  return [
    q('rare term (an id)', { q: 'C-4242' }),
    q('common term', { q: 'refund' }),
    q('common, 2 words', { q: 'refund invoice' }),
    q('phrase', { q: '"connection timeout"' }),
    q('common + agent + week', { q: 'refund', agent_id: 'agent-042', start_date: weekStartIso, end_date: endIso }),
    q('rare + agent + week', { q: 'C-4242', agent_id: 'agent-042', start_date: weekStartIso, end_date: endIso }),
    q('CJK term', { q: '退款' }),
    q('prefix', { q: 'shipm*' }),
    q('exclusion', { q: 'refund -invoice' }),
    q('common, by cost', { q: 'refund', sort_by: 'cost' }),
    q('common, page 20', { q: 'refund', page: '20' }),
    q('runs: rare', { q: 'C-4242' }, '/api/v1/runs'),
    q('runs: common', { q: 'refund' }, '/api/v1/runs'),
  ];
}

/** The same ingest into a server with `sqlite.fulltext: false`. */
export async function ingestWithoutIndex(corpus: string, dataDir: string, clients: number, entries: number, env: Record<string, string>): Promise<IngestResult> {
  const server = await startServerProcess({ dataDir, env: { ...env, AGENT_LEDGER_SQLITE_FULLTEXT: 'false' } });
  try {
    return await runIngest(corpus, server.otlpUrl, server.auth, clients, entries);
  } finally {
    await server.stop();
  }
}

export interface IndexSize {
  fulltextMiB: number;
  /** The entries table alone (its rows), and with its indexes. */
  entriesTableMiB: number;
  entriesWithIndexesMiB: number;
  ratioToTable: number;
  ratioToTableAndIndexes: number;
}

/** Page bytes per object from SQLite's dbstat, on a closed server's database. */
/** Sizes summed over a ledger's partition files (each holds its entries, their indexes and full text). */
export function indexSize(dbFiles: readonly string[]): IndexSize {
  const major = Number(process.versions.node.split('.')[0]);
  const require = createRequire(import.meta.url);
  const Driver: typeof BetterSqlite3 = major >= 22 ? require('better-sqlite3') : require('better-sqlite3-v12');
  const bytes = new Map<string, number>();
  let indexes = new Set<string>(['sqlite_autoindex_entries_1']);
  for (const file of dbFiles) {
    const db = new Driver(file, { readonly: true });
    try {
      for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as Array<{ name: string; bytes: number }>) {
        bytes.set(r.name, (bytes.get(r.name) ?? 0) + r.bytes);
      }
      indexes = new Set([...indexes, ...(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'entries'").pluck().all() as string[])]);
    } finally {
      db.close();
    }
  }
  const mib = (pick: (name: string) => boolean) => [...bytes].filter(([name]) => pick(name)).reduce((s, [, b]) => s + b, 0) / 2 ** 20;
  const fulltextMiB = mib((n) => n.startsWith('entries_fts'));
  const entriesTableMiB = mib((n) => n === 'entries');
  const entriesWithIndexesMiB = entriesTableMiB + mib((n) => indexes.has(n));
  return {
    fulltextMiB,
    entriesTableMiB,
    entriesWithIndexesMiB,
    ratioToTable: fulltextMiB / entriesTableMiB,
    ratioToTableAndIndexes: fulltextMiB / entriesWithIndexesMiB,
  };
}
