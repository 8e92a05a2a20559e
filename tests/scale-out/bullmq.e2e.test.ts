import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { runCli } from '../helpers/cli.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const REDIS_URL = process.env.REDIS_URL;
const started: ServerProcess[] = [];

/** Receivers, workers and query servers apart, sharing one data directory and one Redis queue. */
async function role(role: 'receiver' | 'worker' | 'query' | 'all', dataDir: string, prefix: string, env: Record<string, string> = {}) {
  const server = await startServerProcess({
    role,
    dataDir,
    env: {
      REDIS_URL: REDIS_URL!,
      AGENT_LEDGER_QUEUE_PREFIX: prefix,
      AGENT_LEDGER_QUEUE_LOCK_MS: '2000',
      AGENT_LEDGER_QUEUE_BACKOFF_MS: '200',
      AGENT_LEDGER_RATE_LIMITS_QUERY_PER_HOUR: '100000',
      ...env,
    },
  });
  started.push(server);
  return server;
}

function request(n: number, spans: number): string {
  const traceId = `a${(n + 1).toString(16).padStart(31, '0')}`;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'scale-out' } }] },
        scopeSpans: [
          {
            scope: { name: 't' },
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId,
              spanId: `b${(i + 1).toString(16).padStart(15, '0')}`,
              parentSpanId: i === 0 ? '' : 'b000000000000001',
              name: `op-${i % 20}`,
              startTimeUnixNano: String(1795458428139000000n + BigInt(n) * 1000000n + BigInt(i)),
              endTimeUnixNano: String(1795458428139500000n + BigInt(n) * 1000000n + BigInt(i)),
              attributes: [{ key: 'ledger.inputs', value: { stringValue: `{"n":${n},"i":${i}}` } }],
            })),
          },
        ],
      },
    ],
  });
}

async function send(server: ServerProcess, body: string): Promise<number> {
  try {
    const res = await fetch(server.otlpUrl, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...server.auth } });
    return res.status;
  } catch {
    return 0;
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop('SIGKILL')));
});

describe.skipIf(!REDIS_URL)('BullMQ scale-out (needs REDIS_URL: a real Redis; skipped, and unverified, without one)', () => {
  it('keeps every acknowledged span exactly once through kill -9 of a worker mid-batch and of the receiver after acknowledging', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-scale-'));
    const prefix = `t-${randomUUID()}`;
    const query = await role('query', dataDir, prefix);
    let receiver = await role('receiver', dataDir, prefix);
    const worker1 = await role('worker', dataDir, prefix);
    await role('worker', dataDir, prefix);

    const REQUESTS = 200;
    const SPANS = 500;
    const acked = new Set<number>();
    let next = 0;
    let receiverKilled = false;
    let workerKilled = false;
    const client = async () => {
      while (next < REQUESTS) {
        const n = next++;
        for (;;) {
          const status = await send(receiver, request(n, SPANS));
          if (status === 200) {
            acked.add(n);
            if (acked.size === 40 && !workerKilled) {
              workerKilled = true;
              worker1.child.kill('SIGKILL');
            }
            if (acked.size === 100 && !receiverKilled) {
              receiverKilled = true;
              receiver.child.kill('SIGKILL');
              receiver = await role('receiver', dataDir, prefix);
            }
            break;
          }
          // refused or connection lost (receiver down): an OTLP exporter retries
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, client));
    expect(workerKilled && receiverKilled).toBe(true);
    expect(acked.size).toBe(REQUESTS);

    let last = 0;
    const count = await waitFor('every span to land', async () => {
      const { body } = await query.get('/api/v1/ledger?page_size=1');
      last = body.count;
      return body.count >= REQUESTS * SPANS ? body.count : null;
    }).catch((err) => {
      throw new Error(`${err.message}: ${last} of ${REQUESTS * SPANS}\n${started.map((s) => s.logs.slice(-5).join('\n')).join('\n---\n')}`);
    });
    expect(count).toBe(REQUESTS * SPANS);
    // a batch's runs reach the catalog in the transaction after its day file's: a moment later than its entries
    await waitFor('every run in the catalog', async () => ((await query.get('/api/v1/runs?page_size=1')).body.count === REQUESTS ? true : null));
    const runs: any[] = [];
    for (let page = 0; page < 1; page++) runs.push(...(await query.get(`/api/v1/runs?page_size=1000&page=${page}`)).body.data);
    expect(runs).toHaveLength(REQUESTS);
    expect(runs.every((r) => r.action_count === SPANS)).toBe(true);
    expect((await query.get('/api/v1/ledger/stats')).body.total_actions).toBe(REQUESTS * SPANS);
  }, 180_000);

  it('loses nothing through a store outage: jobs wait, retry and land', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-outage-'));
    const prefix = `t-${randomUUID()}`;
    const server = await role('all', dataDir, prefix, { AGENT_LEDGER_QUEUE_ATTEMPTS: '50' });
    // another writer holds the write lock of the catalog and of the day's partition past the busy timeout:
    // writes fail until it lets go
    await send(server, request(999, 1)); // the day's partition exists
    await waitFor('the first span to land', async () => ((await server.get('/api/v1/ledger?page_size=1')).body.count === 1 ? 1 : null));
    const partition = join(dataDir, 'ledger.partitions', readdirSync(join(dataDir, 'ledger.partitions')).find((f) => f.endsWith('.db'))!);
    const blockers = [openDatabase(join(dataDir, 'ledger.db')), openDatabase(partition)];
    for (const b of blockers) b.exec('BEGIN IMMEDIATE');
    for (let n = 0; n < 10; n++) expect(await send(server, request(1000 + n, 50))).toBe(200);
    await new Promise((r) => setTimeout(r, 7000));
    expect((await server.get('/api/v1/ledger?page_size=1')).body.count).toBe(1);
    for (const b of blockers) {
      b.exec('ROLLBACK');
      b.close();
    }
    const count = await waitFor('the queued spans to land', async () => {
      const { body } = await server.get('/api/v1/ledger?page_size=1');
      return body.count === 501 ? body.count : null;
    });
    expect(count).toBe(501);
    // and the catalog has every run: none left behind by the failed attempts
    expect((await server.get('/api/v1/runs?page_size=1')).body.count).toBe(11);
    expect(server.logs.some((l) => l.includes('will retry'))).toBe(true);
  }, 120_000);

  it('refuses with 503 and Retry-After when too many jobs wait, with memory bounded', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-full-'));
    const prefix = `t-${randomUUID()}`;
    const receiver = await role('receiver', dataDir, prefix, { AGENT_LEDGER_QUEUE_MAX_PENDING_JOBS: '5' });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let n = 0; n < 8; n++) {
      const res = await fetch(receiver.otlpUrl, { method: 'POST', body: request(2000 + n, 10), headers: { 'Content-Type': 'application/json', ...receiver.auth } });
      statuses.push(res.status);
      if (res.status === 503) retryAfter = res.headers.get('retry-after');
      await new Promise((r) => setTimeout(r, 250)); // past the queue-length cache
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([503, 503, 503]);
    expect(Number(retryAfter)).toBeGreaterThan(0);

    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${receiver.child.pid}/status`, 'utf8'))![1]) / 1024;
    // refused before its body is read, so overload costs neither decoding nor memory: after the
    // allocator's working set is reached, RSS stays flat however many requests are refused
    const big = request(3000, 5000);
    for (let i = 0; i < 100; i++) expect(await send(receiver, big)).toBe(503);
    const plateau = rss();
    for (let i = 0; i < 200; i++) expect(await send(receiver, big)).toBe(503);
    expect(rss() - plateau).toBeLessThan(40);

    // a worker drains the backlog, and the parked jobs of the dead-letter set can be listed
    await role('worker', dataDir, prefix);
    const letters = runCli(dataDir, ['dlq', 'list'], { REDIS_URL: REDIS_URL!, AGENT_LEDGER_QUEUE_PREFIX: prefix });
    expect(letters).toBe('');
  }, 120_000);
});
