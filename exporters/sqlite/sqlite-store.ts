import type { LogMessageRecord } from '../../model/log-message.js';
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
  TimelineSummary,
  TimeseriesBucket,
  TimeseriesQuery,
  LedgerStore,
  Store,
  WriteResult,
} from '../store.js';
import { openDatabase, type Database } from './driver.js';
import { SqliteAgentStore } from './agent-store.js';
import { systemClock } from './agent-row.js';
import { SqliteCredentialStore } from './credential-store.js';
import { SqliteSavedSearchStore } from './saved-search-store.js';
import { openLedgerWriter, partitionsDirOf } from './ledger-writer.js';
import { configureConnection, migrate } from './schema.js';
import { PartitionFiles, registerFold } from './partition-files.js';
import { PartitionReaders } from './partition-readers.js';
import { SqliteLedgerTail } from './ledger-tail.js';
import { sweepExpiredEntries, type EntrySweep } from './partition-retention.js';
import type { PartitionedWriter } from './partitioned-writer.js';
import {
  assertPartitionsSearchable,
  exportPartitions,
  exportPartitionsJson,
  queryPartitions,
  runOverPartitions,
  runsOverPartitions,
  statsOverPartitions,
} from './partitioned-reads.js';
import { timelineOverPartitions } from './timeline-reader.js';
import { timeseriesOverPartitions } from './timeseries-reader.js';
import type { SweepRequest, WriterReply, WriterRequest, WriterThreadOptions } from './writer-thread.js';
import { toWriteRow, type WriteRow } from './write-row.js';

export interface SqliteStoreOptions {
  file: string;
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * `thread` (the server's choice) writes on a worker thread so reads never
   * wait behind a commit; `inline` writes on the caller's thread, for tools
   * and tests that run from TypeScript sources; `none` for processes that
   * only read entries (the query and receiver roles): one process writes
   * partitions, the others must not move or catch up behind its back.
   */
  writer?: 'thread' | 'inline' | 'none';
  /** Index entries for full-text `q` (default true); off, `q` is refused (sqlite.fulltext). */
  fulltext?: boolean;
  /** Page cache of each partition's writing connection in MiB (sqlite.writer_cache_mib, default 64). */
  writerCacheMib?: number;
  /** The trust score's half-life (agents.trust_half_life_days, default 30). */
  trustHalfLifeDays?: number;
  /** Retention of organizations that set none (retention.days, default 400). */
  retentionDays?: number;
  /** µs since the epoch, for agent records; tests inject one to move time. */
  clock?: () => number;
  /** Progress of long starts (a single-file ledger moving into partitions). */
  log?: (message: string) => void;
}

export interface SqliteLedgerStore extends LedgerStore {
  exportLedgerJson(filter: Omit<LedgerFilter, 'q'>, limit: number, after?: LedgerKeyset): AsyncIterable<string[]>;
}

/** Every capability: the embedded store keeps agents. */
export interface SqliteStore extends Store {
  readonly ledger: SqliteLedgerStore;
  readonly credentials: SqliteCredentialStore;
  readonly agents: SqliteAgentStore;
  readonly searches: SqliteSavedSearchStore;
  readonly tail: SqliteLedgerTail;
  /** The catalog's read connection, for this backend's own tools (verify, benchmarks). */
  readonly db: Database;
  /** Read connections to the partitions. */
  readonly partitions: PartitionReaders;
}

interface Pending {
  resolve: (reply: WriterReply) => void;
  reject: (e: Error) => void;
}

/**
 * The ledger of a catalog file and its partitions: one writer (a worker
 * thread, or inline) and readers that fan out over the partitions.
 */
class SqliteLedger implements SqliteLedgerStore {
  private worker: Worker | null = null;
  private inline: { catalog: Database; writer: PartitionedWriter } | null = null;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private closed = false;
  private writerError: Error | null = null;
  private adminDb: Database | null = null;
  db!: Database;
  partitions!: PartitionReaders;

  constructor(private readonly options: Required<SqliteStoreOptions>) {}

  async open(): Promise<void> {
    mkdirSync(dirname(this.options.file), { recursive: true });
    const writerOptions = {
      synchronous: this.options.synchronous,
      fulltext: this.options.fulltext,
      trustHalfLifeDays: this.options.trustHalfLifeDays,
      cacheMib: this.options.writerCacheMib,
    };
    if (this.options.writer === 'inline') {
      this.inline = openLedgerWriter(this.options.file, { ...writerOptions, now: this.options.clock }, this.options.log);
      this.db = this.inline.catalog;
    } else if (this.options.writer === 'none') {
      this.db = openDatabase(this.options.file);
      configureConnection(this.db, this.options.synchronous, 64);
      migrate(this.db);
    } else {
      await this.startWorker({ file: this.options.file, ...writerOptions });
      this.db = openDatabase(this.options.file, { readonly: true });
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('cache_size = -65536');
    }
    registerFold(this.db);
    this.partitions = new PartitionReaders(new PartitionFiles(partitionsDirOf(this.options.file)), this.options.file);
  }

  /** Rare writes (organizations, keys, agents) beside the entry writer; SQLite serialises the two. */
  writeConnection(): Database {
    if (this.inline || this.options.writer === 'none') return this.db;
    if (!this.adminDb) {
      this.adminDb = openDatabase(this.options.file);
      this.adminDb.pragma('busy_timeout = 10000');
      // activity reports are answered 201 once committed: as durable as ingest
      this.adminDb.pragma(`synchronous = ${this.options.synchronous}`);
    }
    return this.adminDb;
  }

  private startWorker(workerData: WriterThreadOptions): Promise<void> {
    const worker = new Worker(new URL('./writer-thread.js', import.meta.url), { workerData });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      worker.on('message', (msg: WriterReply) => {
        if ('ready' in msg) {
          this.writerError = null;
          resolve();
          return;
        }
        if ('log' in msg) {
          this.options.log(msg.log);
          return;
        }
        const p = this.pending.get(msg.seq);
        if (!p) return;
        this.pending.delete(msg.seq);
        if ('error' in msg) p.reject(new Error(`sqlite write failed: ${msg.error}`));
        else p.resolve(msg);
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
          this.startWorker(workerData).catch(() => undefined);
        }
      });
    });
  }

  private ask(request: { rows: WriteRow[] } | { sweep: SweepRequest } | { logMessages: LogMessageRecord[] }): Promise<WriterReply> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker!.postMessage({ seq, ...request } satisfies WriterRequest);
    });
  }

  async write(entries: EntryRecord[]): Promise<WriteResult> {
    if (this.closed) throw new Error('store is closed');
    if (entries.length === 0) return { inserted: 0 };
    if (this.options.writer === 'none') throw new Error('this process does not write the ledger (store writer: none)');
    const rows = entries.map((e) => toWriteRow(e, this.options.fulltext));
    if (this.inline) return { inserted: this.inline.writer.writeGroups([rows])[0] };
    const reply = await this.ask({ rows });
    return { inserted: 'inserted' in reply ? reply.inserted : 0 };
  }

  async writeLogMessages(messages: LogMessageRecord[]): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    if (messages.length === 0) return;
    if (this.options.writer === 'none') throw new Error('this process does not write the ledger (store writer: none)');
    if (this.inline) return this.inline.writer.writeLogMessages(messages);
    await this.ask({ logMessages: messages });
  }

  /** Retention of entries, on the writer (partition-retention.ts). */
  async sweepEntries(request: SweepRequest, progress?: (swept: EntrySweep, step: string) => void): Promise<EntrySweep> {
    let swept: EntrySweep;
    if (this.options.writer === 'none') throw new Error('this process does not write the ledger (store writer: none)');
    if (this.inline) swept = sweepExpiredEntries(this.inline.writer, this.inline.catalog, request, progress);
    else {
      const reply = await this.ask({ sweep: request });
      swept = 'swept' in reply ? reply.swept : { entries: 0, runs: 0, partitions: 0 };
    }
    this.partitions.forgetDropped();
    return swept;
  }

  async queryLedger(query: LedgerQuery): Promise<LedgerPage> {
    return queryPartitions(this.partitions, query);
  }

  exportLedger(filter: LedgerFilter, limit: number, after?: LedgerKeyset): AsyncIterable<LedgerEntry> {
    // Refused here, before the response starts, rather than from inside the stream.
    if (filter.q) assertPartitionsSearchable(this.partitions, filter);
    return flatten(exportPartitions(this.partitions, filter, limit, after));
  }

  exportLedgerJson(filter: Omit<LedgerFilter, 'q'>, limit: number, after?: LedgerKeyset): AsyncIterable<string[]> {
    return exportPartitionsJson(this.partitions, filter, limit, after);
  }

  async stats(query: StatsQuery): Promise<LedgerStats> {
    return statsOverPartitions(this.partitions, query);
  }

  async timeseries(query: TimeseriesQuery): Promise<TimeseriesBucket[]> {
    return timeseriesOverPartitions(this.partitions, query);
  }

  async listRuns(query: RunQuery): Promise<RunPage> {
    return runsOverPartitions(this.db, this.partitions, query);
  }

  async getRun(scope: QueryScope, runId: string, user?: RunUser): Promise<RunDetail | null> {
    return runOverPartitions(this.db, this.partitions, scope, runId, user);
  }

  async timelineSummary(filter: Omit<LedgerFilter, 'q'>): Promise<TimelineSummary> {
    return timelineOverPartitions(this.partitions, filter);
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
    this.inline?.writer.close();
    this.partitions?.close();
    this.adminDb?.close();
    this.db?.close();
  }
}

export async function createSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const resolved: Required<SqliteStoreOptions> = {
    synchronous: 'FULL',
    writer: 'thread',
    fulltext: true,
    writerCacheMib: 64,
    trustHalfLifeDays: 30,
    retentionDays: 400,
    clock: systemClock,
    log: () => undefined,
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
    }, ledger.partitions, (request, progress) => ledger.sweepEntries(request, progress)),
    searches: new SqliteSavedSearchStore(ledger.db, write),
    tail: new SqliteLedgerTail(new PartitionFiles(partitionsDirOf(resolved.file)), ledger.partitions),
    db: ledger.db,
    partitions: ledger.partitions,
    ping: () => ledger.ping(),
    close: () => ledger.close(),
  };
}

async function* flatten<T>(chunks: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const chunk of chunks) yield* chunk;
}
