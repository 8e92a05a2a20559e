import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EntryRecord, LedgerEntry } from '../../model/ledger-entry.js';
import type {
  LedgerFilter,
  LedgerKeyset,
  LedgerPage,
  LedgerQuery,
  LedgerStats,
  QueryScope,
  RunDetail,
  RunUser,
  RunPage,
  RunQuery,
  StatsQuery,
  LedgerStore,
  Store,
  WriteResult,
} from '../store.js';
import { openDatabase, type Database } from './driver.js';
import { EntryWriter } from './entry-writer.js';
import { SqliteAgentStore } from './agent-store.js';
import { systemClock } from './agent-row.js';
import { SqliteCredentialStore } from './credential-store.js';
import { exportLedger, exportLedgerJson, queryLedger } from './ledger-reader.js';
import { configureConnection, migrate } from './schema.js';
import { queryStats } from './stats-reader.js';
import { getRun, listRuns } from './runs-reader.js';
import { foldCase } from './ledger-filter-sql.js';
import { assertFullTextReady } from './fulltext-plan.js';
import type { WriterReply, WriterRequest, WriterThreadOptions } from './writer-thread.js';
import { toWriteRow, type WriteRow } from './write-row.js';

export interface SqliteStoreOptions {
  file: string;
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * `thread` (the server's choice) writes on a worker thread so reads never
   * wait behind a commit; `inline` writes on the caller's thread, for tools
   * and tests that run from TypeScript sources.
   */
  writer?: 'thread' | 'inline';
  /** Index entries for full-text `q` (default true); off, `q` is refused (sqlite.fulltext). */
  fulltext?: boolean;
  /** Page cache of the writing connection in MiB (sqlite.writer_cache_mib, default 512). */
  writerCacheMib?: number;
  /** The trust score's half-life (agents.trust_half_life_days, default 30). */
  trustHalfLifeDays?: number;
  /** Retention of organizations that set none (retention.days, default 400). */
  retentionDays?: number;
  /** µs since the epoch, for agent records; tests inject one to move time. */
  clock?: () => number;
}

export interface SqliteLedgerStore extends LedgerStore {
  exportLedgerJson(filter: Omit<LedgerFilter, 'q'>, limit: number, after?: LedgerKeyset): AsyncIterable<string>;
}

/** Every capability: the embedded store keeps agents. */
export interface SqliteStore extends Store {
  readonly ledger: SqliteLedgerStore;
  readonly credentials: SqliteCredentialStore;
  readonly agents: SqliteAgentStore;
  /** The read connection, for this backend's own tools (verify, benchmarks). */
  readonly db: Database;
}

interface PendingWrite {
  resolve: (r: WriteResult) => void;
  reject: (e: Error) => void;
}

/** The ledger of one database file: its entry writer (a worker thread or inline) and its readers. */
class SqliteLedger implements SqliteLedgerStore {
  private worker: Worker | null = null;
  private inlineWriter: EntryWriter | null = null;
  private readonly pending = new Map<number, PendingWrite>();
  private seq = 0;
  private closed = false;
  private writerError: Error | null = null;
  private adminDb: Database | null = null;
  db!: Database;

  constructor(private readonly options: Required<SqliteStoreOptions>) {}

  async open(): Promise<void> {
    mkdirSync(dirname(this.options.file), { recursive: true });
    if (this.options.writer === 'inline') {
      const db = openDatabase(this.options.file);
      configureConnection(db, this.options.synchronous, this.options.writerCacheMib);
      migrate(db);
      this.inlineWriter = new EntryWriter(db, {
        fulltext: this.options.fulltext,
        trustHalfLifeDays: this.options.trustHalfLifeDays,
        now: this.options.clock,
      });
      this.db = db;
    } else {
      await this.startWorker();
      this.db = openDatabase(this.options.file, { readonly: true });
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('cache_size = -131072');
    }
    this.db.function('fold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? foldCase(s) : null));
  }

  /** Rare writes (organizations, keys, agents) beside the entry writer; SQLite serialises the two. */
  writeConnection(): Database {
    if (this.inlineWriter) return this.db;
    if (!this.adminDb) {
      this.adminDb = openDatabase(this.options.file);
      this.adminDb.pragma('busy_timeout = 10000');
      // activity reports are answered 201 once committed: as durable as ingest
      this.adminDb.pragma(`synchronous = ${this.options.synchronous}`);
    }
    return this.adminDb;
  }

  private startWorker(): Promise<void> {
    const workerData: WriterThreadOptions = {
      file: this.options.file,
      synchronous: this.options.synchronous,
      fulltext: this.options.fulltext,
      trustHalfLifeDays: this.options.trustHalfLifeDays,
      cacheMib: this.options.writerCacheMib,
    };
    const worker = new Worker(new URL('./writer-thread.js', import.meta.url), { workerData });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      worker.on('message', (msg: WriterReply) => {
        if ('ready' in msg) {
          this.writerError = null;
          resolve();
          return;
        }
        const p = this.pending.get(msg.seq);
        if (!p) return;
        this.pending.delete(msg.seq);
        if ('error' in msg) p.reject(new Error(`sqlite write failed: ${msg.error}`));
        else p.resolve({ inserted: msg.inserted });
      });
      worker.on('error', (err) => {
        this.writerError = err;
        reject(err);
      });
      worker.on('exit', (code) => {
        const err = this.writerError ?? new Error(`sqlite writer thread exited with code ${code}`);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        if (!this.closed) {
          // A crashed writer must not take ingest down for good: start another.
          this.writerError = err;
          this.startWorker().catch(() => undefined);
        }
      });
    });
  }

  write(entries: EntryRecord[]): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (entries.length === 0) return Promise.resolve({ inserted: 0 });
    if (this.inlineWriter) {
      try {
        return Promise.resolve({ inserted: this.inlineWriter.write(this.writeRows(entries)) });
      } catch (err) {
        return Promise.reject(err);
      }
    }
    let rows: WriteRow[];
    try {
      rows = this.writeRows(entries);
    } catch (err) {
      return Promise.reject(err);
    }
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker!.postMessage({ seq, rows } satisfies WriterRequest);
    });
  }

  private writeRows(entries: readonly EntryRecord[]): WriteRow[] {
    return entries.map((e) => toWriteRow(e, this.options.fulltext));
  }

  async queryLedger(query: LedgerQuery): Promise<LedgerPage> {
    return queryLedger(this.db, query);
  }

  exportLedger(filter: LedgerFilter, limit: number, after?: LedgerKeyset): AsyncIterable<LedgerEntry> {
    // Refused here, before the response starts, rather than from inside the stream.
    if (filter.q) assertFullTextReady(this.db);
    return exportLedger(this.db, filter, limit, after);
  }

  exportLedgerJson(filter: Omit<LedgerFilter, 'q'>, limit: number, after?: LedgerKeyset): AsyncIterable<string> {
    return exportLedgerJson(this.db, filter, limit, after);
  }

  async stats(query: StatsQuery): Promise<LedgerStats> {
    return queryStats(this.db, query);
  }

  async listRuns(query: RunQuery): Promise<RunPage> {
    return listRuns(this.db, query);
  }

  async getRun(scope: QueryScope, runId: string, user?: RunUser): Promise<RunDetail | null> {
    return getRun(this.db, scope, runId, user);
  }

  async ping(): Promise<void> {
    if (this.writerError) throw this.writerError;
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.worker) {
      const exited = new Promise((resolve) => this.worker!.once('exit', resolve));
      this.worker.postMessage({ close: true } satisfies WriterRequest);
      await exited;
    }
    this.adminDb?.close();
    this.db?.close();
  }
}

export async function createSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const resolved: Required<SqliteStoreOptions> = {
    synchronous: 'FULL',
    writer: 'thread',
    fulltext: true,
    writerCacheMib: 512,
    trustHalfLifeDays: 30,
    retentionDays: 400,
    clock: systemClock,
    ...options,
  };
  const ledger = new SqliteLedger(resolved);
  await ledger.open();
  const write = () => ledger.writeConnection();
  return {
    ledger,
    credentials: new SqliteCredentialStore(ledger.db, write),
    agents: new SqliteAgentStore(ledger.db, write, {
      trust_half_life_days: resolved.trustHalfLifeDays,
      retention_days: resolved.retentionDays,
      now: resolved.clock,
    }),
    db: ledger.db,
    ping: () => ledger.ping(),
    close: () => ledger.close(),
  };
}
