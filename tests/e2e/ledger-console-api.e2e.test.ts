import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * The console's API additions over HTTP (issue 16): the entry-field filters
 * never widen a user key's view, and the time series' bounds. Run `npm run build` first.
 */
let server: ServerProcess;
const keys: Record<string, string> = {};
const NOW_NS = BigInt(Date.now() - 60_000) * 1_000_000n;

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

async function ingest(key: string, user: string, n: number): Promise<void> {
  const spans = Array.from({ length: n }, (_, i) => ({
    traceId: `${user.padEnd(8, '0').slice(0, 8).replace(/[^0-9a-f]/g, 'e')}${'0'.repeat(23)}${i}`,
    spanId: `${'1'.repeat(15)}${i}`,
    name: `${user}_action`,
    startTimeUnixNano: String(NOW_NS + BigInt(i) * 1_000_000n),
    endTimeUnixNano: String(NOW_NS + BigInt(i) * 1_000_000n + 5_000_000n),
    attributes: [str('session.id', `conv-${user}`)],
  }));
  const body = { resourceSpans: [{ resource: { attributes: [str('service.name', 'svc')] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] };
  const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
}

const get = async (key: string, path: string) => {
  const res = await fetch(`${server.apiUrl}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
};

async function settled(key: string, want: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await get(key, '/api/v1/ledger?page_size=1')).body.count === want) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('entries never arrived');
}

beforeAll(async () => {
  server = await startServerProcess();
  keys.org = createKey(server, 'acme', 'read,ingest');
  keys.alice = createKey(server, 'acme', 'read,ingest', 'user', 'alice');
  keys.bob = createKey(server, 'acme', 'read,ingest', 'user', 'bob');
  await ingest(keys.alice, 'alice', 3);
  await ingest(keys.bob, 'bob', 2);
  await settled(keys.org, 5);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('entry-field filters through the API', () => {
  it('user_id and conversation_id narrow an organization key', async () => {
    expect((await get(keys.org, '/api/v1/ledger?user_id=bob')).body.count).toBe(2);
    expect((await get(keys.org, '/api/v1/ledger?conversation_id=conv-alice')).body.count).toBe(3);
    expect((await get(keys.org, '/api/v1/ledger/stats?user_id=alice')).body.total_actions).toBe(3);
  });

  it("a user key passing another user's user_id sees nothing, on every route", async () => {
    expect((await get(keys.alice, '/api/v1/ledger')).body.count).toBe(3);
    expect((await get(keys.alice, '/api/v1/ledger?user_id=bob')).body.count).toBe(0);
    expect((await get(keys.alice, '/api/v1/ledger/stats?user_id=bob')).body.total_actions).toBe(0);
    const series = (await get(keys.alice, '/api/v1/ledger/stats/timeseries?user_id=bob')).body;
    expect(series.buckets.reduce((n: number, b: any) => n + b.count, 0)).toBe(0);
  });

  it('rejects an unknown kind naming it', async () => {
    const res = await get(keys.org, '/api/v1/ledger?kind=TOOL');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('`kind`');
  });
});

describe('GET /api/v1/ledger/stats/timeseries', () => {
  it('counts the last 24 hours by default, per scope', async () => {
    const org = (await get(keys.org, '/api/v1/ledger/stats/timeseries')).body;
    expect(org.interval).toBe('hour');
    expect(org.buckets).toHaveLength(24);
    expect(org.buckets.reduce((n: number, b: any) => n + b.count, 0)).toBe(5);
    const alice = (await get(keys.alice, '/api/v1/ledger/stats/timeseries?interval=day')).body;
    expect(alice.buckets).toHaveLength(30);
    expect(alice.buckets.reduce((n: number, b: any) => n + b.success_count, 0)).toBe(3);
  });

  it('refuses more than 1000 buckets, naming start_date, and a bad interval naming it', async () => {
    const many = await get(keys.org, '/api/v1/ledger/stats/timeseries?interval=hour&start_date=2024-01-01&end_date=2024-03-01');
    expect(many.status).toBe(400);
    expect(many.body.error.code).toBe('VALIDATION_ERROR');
    expect(many.body.error.message).toContain('`start_date`');
    expect((await get(keys.org, '/api/v1/ledger/stats/timeseries?interval=day&start_date=2024-01-01&end_date=2024-03-01')).status).toBe(200);
    const bad = await get(keys.org, '/api/v1/ledger/stats/timeseries?interval=week');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('`interval`');
  });
});
