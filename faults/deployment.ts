import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { INGEST_QUEUE } from '../collector/queue/ingest-job.js';
import { openDatabase } from '../exporters/sqlite/driver.js';
import { startServerProcess, type ServerProcess } from '../tests/helpers/server-process.js';
import type { RedisProcess } from './redis.js';

type Role = 'all' | 'receiver' | 'worker' | 'query';

interface Member {
  role: Role;
  server: ServerProcess;
}

/**
 * The processes of one deployment on loopback, sharing a data directory:
 * embedded (`all`, in-process queue) or scale-out (receiver, two workers and
 * a query server through BullMQ on a Redis of our own). A member killed with
 * -9 starts again on the same ports, as a supervisor would restart it.
 */
export class Deployment {
  private readonly members = new Map<string, Member>();
  private peakRssMb = 0;
  private readonly sampler: NodeJS.Timeout;

  private constructor(
    readonly dataDir: string,
    private readonly env: Record<string, string>,
  ) {
    this.sampler = setInterval(() => this.sampleRss(), 250);
  }

  static async embedded(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<Deployment> {
    const d = new Deployment(options.dataDir ?? mkdtempSync(join(tmpdir(), 'faults-')), options.env ?? {});
    await d.add('all', 'all');
    return d;
  }

  static async scaleOut(redis: RedisProcess, options: { env?: Record<string, string> } = {}): Promise<Deployment> {
    const env = { REDIS_URL: redis.url, AGENT_LEDGER_QUEUE_PREFIX: `faults-${randomUUID()}`, ...options.env };
    const d = new Deployment(mkdtempSync(join(tmpdir(), 'faults-')), env);
    // the query server first: it creates the catalog the others open
    await d.add('query', 'query');
    await d.add('receiver', 'receiver');
    await d.add('worker-1', 'worker');
    await d.add('worker-2', 'worker');
    return d;
  }

  private async add(name: string, role: Role, ports: Record<string, string> = {}): Promise<void> {
    const server = await startServerProcess({ role, dataDir: this.dataDir, env: { ...this.env, ...ports } });
    this.members.set(name, { role, server });
  }

  private member(name: string): Member {
    const m = this.members.get(name);
    if (!m) throw new Error(`no ${name} in this deployment (${[...this.members.keys()].join(', ')})`);
    return m;
  }

  /** The process that takes OTLP requests (receiver, or `all`). */
  get ingestName(): string {
    return this.members.has('all') ? 'all' : 'receiver';
  }

  get queryName(): string {
    return this.members.has('all') ? 'all' : 'query';
  }

  get otlpUrl(): string {
    return this.member(this.ingestName).server.otlpUrl;
  }

  get auth(): { Authorization: string } {
    return this.member(this.ingestName).server.auth;
  }

  pid(name: string): number {
    return this.member(name).server.child.pid!;
  }

  query(path: string) {
    return this.member(this.queryName).server.get(path);
  }

  /** kill -9, waiting until the process is gone. */
  async kill(name: string): Promise<void> {
    const { server } = this.member(name);
    this.sampleRss();
    await server.stop('SIGKILL');
  }

  /** Starts a killed member again with its role, ports and data directory. */
  async restart(name: string): Promise<void> {
    const { role, server } = this.member(name);
    const port = (url: string) => new URL(url).port;
    await this.add(name, role, { AGENT_LEDGER_HTTP_PORT: port(server.apiUrl), AGENT_LEDGER_OTLP_PORT: port(server.otlpUrl) });
  }

  /** The largest resident set any member had, sampled every 250 ms, in MiB. */
  peakRss(): number {
    this.sampleRss();
    return Math.round(this.peakRssMb);
  }

  private sampleRss(): void {
    for (const { server } of this.members.values()) {
      try {
        const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
        // VmHWM: the peak the kernel saw, between our samples too
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        this.peakRssMb = Math.max(this.peakRssMb, kb / 1024);
      } catch {
        /* exited */
      }
    }
  }

  /** Jobs a worker holds now (BullMQ's active list). */
  async activeJobs(): Promise<number> {
    const redis = new Redis(this.env.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      return await redis.llen(`${this.env.AGENT_LEDGER_QUEUE_PREFIX}:${INGEST_QUEUE}:active`);
    } finally {
      redis.disconnect();
    }
  }

  logs(): string {
    return [...this.members.entries()].map(([name, m]) => `--- ${name}\n${m.server.logs.slice(-15).join('\n')}`).join('\n');
  }

  async close(): Promise<void> {
    clearInterval(this.sampler);
    await Promise.all([...this.members.values()].map((m) => m.server.stop('SIGKILL')));
  }
}

/**
 * How many times each span name whose name starts with `prefix` is stored,
 * read from the SQLite day files themselves (not through the API, which
 * would hide a second copy behind its own de-duplication, if it had one).
 */
export function storedNames(dataDir: string, prefix: string): Map<string, number> {
  const counts = new Map<string, number>();
  const dir = join(dataDir, 'ledger.partitions');
  if (!existsSync(dir)) return counts;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.db'))) {
    const db = openDatabase(join(dir, file), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT name, count(*) AS n FROM entries WHERE name >= ? AND name < ? GROUP BY name').all(prefix, `${prefix}\uffff`) as Array<{ name: string; n: number }>;
      for (const { name, n } of rows) counts.set(name, (counts.get(name) ?? 0) + n);
    } finally {
      db.close();
    }
  }
  return counts;
}
