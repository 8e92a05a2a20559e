import { ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelTracer, type Protocol } from '../helpers/otel-sender.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/** What the test sent, to compute every expected answer independently of the server. */
interface Sent {
  i: number;
  name: string;
  agent: string;
  outcome: 'success' | 'error' | 'blocked';
  costUsd: number;
  durationMs: number;
  startMs: number;
  runKey: string;
}

const BASE = Date.parse('2024-12-01T00:00:00Z');
const DAY = 86_400_000;
const NAMES = ['database_query', 'send_email', 'web_search', 'Database_Admin'];
const AGENTS = ['agent-alpha', 'agent-beta', 'Ägent-γ'];

let server: ServerProcess;
const sent: Sent[] = [];
/** inputs.i → entry as the server returned it. */
const byI = new Map<number, any>();

function outcomeOf(k: number): Sent['outcome'] {
  if (k % 5 === 0) return 'error';
  if (k % 7 === 0) return 'blocked';
  return 'success';
}

async function sendDataset(protocol: Protocol, ks: number[]): Promise<void> {
  const { tracer, shutdown } = otelTracer(server.otlpUrl, protocol, server.auth);
  for (const k of ks) {
    const s: Sent = {
      i: k,
      name: NAMES[k % NAMES.length],
      agent: AGENTS[k % AGENTS.length],
      outcome: outcomeOf(k),
      costUsd: (k % 6) * 0.01,
      durationMs: 10 + (k % 4) * 5,
      startMs: BASE + k * DAY + k * 3_600_000,
      runKey: `solo-${k}`,
    };
    sent.push(s);
    const span = tracer.startSpan(s.name, {
      startTime: new Date(s.startMs),
      attributes: {
        'gen_ai.agent.id': s.agent,
        'ledger.cost_usd': s.costUsd,
        'ledger.inputs': JSON.stringify({ i: k }),
        ...(s.outcome === 'blocked' ? { 'ledger.outcome': 'blocked' } : {}),
      },
    });
    if (s.outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR, message: `failure ${k}` });
    span.end(new Date(s.startMs + s.durationMs));
  }
  await shutdown();
}

/** A run with a root and two children; the root's status decides the run's. */
async function sendRun(protocol: Protocol, firstI: number, rootFails: boolean, startMs: number): Promise<void> {
  const { tracer, shutdown } = otelTracer(server.otlpUrl, protocol, server.auth);
  const runKey = `run-${firstI}`;
  const root = tracer.startSpan('plan_trip', {
    startTime: new Date(startMs),
    attributes: { 'gen_ai.agent.id': 'agent-alpha', 'ledger.inputs': JSON.stringify({ i: firstI }) },
  });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  for (const [j, name] of ['web_search', 'send_email'].entries()) {
    const child = tracer.startSpan(name, { startTime: new Date(startMs + 1 + j), attributes: { 'ledger.inputs': JSON.stringify({ i: firstI + 1 + j }) } }, ctx);
    child.end(new Date(startMs + 2 + j));
    sent.push({ i: firstI + 1 + j, name, agent: 'agent-alpha', outcome: 'success', costUsd: 0, durationMs: 1, startMs: startMs + 1 + j, runKey });
  }
  if (rootFails) root.setStatus({ code: SpanStatusCode.ERROR, message: 'trip failed' });
  root.end(new Date(startMs + 10));
  sent.push({ i: firstI, name: 'plan_trip', agent: 'agent-alpha', outcome: rootFails ? 'error' : 'success', costUsd: 0, durationMs: 10, startMs, runKey });
  await shutdown();
}

/** A span whose local parent never arrives: its run stays running. */
async function sendOrphan(i: number, startMs: number): Promise<void> {
  const { tracer, shutdown } = otelTracer(server.otlpUrl, 'json', server.auth);
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1',
    spanId: 'bbbbbbbbbbbbbbb1',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: false,
  });
  const span = tracer.startSpan('late_child', { startTime: new Date(startMs), attributes: { 'gen_ai.agent.id': 'agent-beta', 'ledger.inputs': JSON.stringify({ i }) } }, parent);
  span.end(new Date(startMs + 3));
  sent.push({ i, name: 'late_child', agent: 'agent-beta', outcome: 'success', costUsd: 0, durationMs: 3, startMs, runKey: 'orphan' });
  await shutdown();
}

beforeAll(async () => {
  server = await startServerProcess();
  const ks = Array.from({ length: 30 }, (_, k) => k);
  await sendDataset('proto', ks.filter((k) => k % 2 === 0));
  await sendDataset('json', ks.filter((k) => k % 2 === 1));
  await sendRun('proto', 100, false, BASE - 10 * DAY);
  await sendRun('json', 200, true, BASE - 20 * DAY);
  await sendOrphan(300, BASE - 30 * DAY);
  const all = await server.get('/api/v1/ledger?page_size=1000');
  for (const e of all.body.data) byI.set(e.inputs.i, e);
});

afterAll(async () => {
  await server?.stop();
});

const SORT_KEY: Record<string, (s: Sent) => number | string> = {
  timestamp: (s) => s.startMs,
  cost: (s) => s.costUsd,
  duration: (s) => s.durationMs,
  name: (s) => s.name,
};

/** The expected page, computed here: filter, sort with ties broken by id, slice. */
function expected(filter: (s: Sent) => boolean, sortBy = 'timestamp', order: 'asc' | 'desc' = 'desc'): number[] {
  const key = SORT_KEY[sortBy];
  const sign = order === 'asc' ? 1 : -1;
  const cmp = (a: number | string, b: number | string) => (a < b ? -1 : a > b ? 1 : 0);
  return sent
    .filter(filter)
    .sort((a, b) => sign * (cmp(key(a), key(b)) || cmp(byI.get(a.i).id, byI.get(b.i).id)))
    .map((s) => s.i);
}

async function ledgerIs(query: string): Promise<number[]> {
  const res = await server.get(`/api/v1/ledger?page_size=1000&${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.count).toBe(res.body.data.length);
  return res.body.data.map((e: any) => e.inputs.i);
}

describe('GET /api/v1/ledger', () => {
  it('holds every span sent, with the seed shape', async () => {
    expect(byI.size).toBe(sent.length);
    const res = await server.get('/api/v1/ledger');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['count', 'data', 'next_cursor', 'page', 'page_size', 'total_pages']);
    expect(res.body).toMatchObject({ count: sent.length, page: 0, page_size: 100, total_pages: 1 });
    const entry = byI.get(5);
    expect(entry).toMatchObject({
      name: 'send_email',
      outcome: 'error',
      cost_usd: 0.05,
      duration_ms: 15,
      inputs: { i: 5 },
      outputs: { error: 'failure 5' },
      run_status: 'failed',
      agent_id: 'Ägent-γ',
      timestamp: new Date(BASE + 5 * DAY + 5 * 3_600_000).toISOString().replace('Z', '000Z'),
      compliance_metadata: null,
      organization_id: 'default',
    });
    expect(entry.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(entry.run_id).toBe(entry.trace_id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'));
  });

  it('sorts newest first by default', async () => {
    expect(await ledgerIs('')).toEqual(expected(() => true));
  });

  it.each([
    ['timestamp', 'asc'],
    ['timestamp', 'desc'],
    ['cost', 'asc'],
    ['cost', 'desc'],
    ['duration', 'asc'],
    ['duration', 'desc'],
    ['name', 'asc'],
    ['name', 'desc'],
  ] as const)('sorts by %s %s, ties broken by id', async (sortBy, order) => {
    expect(await ledgerIs(`sort_by=${sortBy}&sort_order=${order}`)).toEqual(expected(() => true, sortBy, order));
  });

  it.each(['success', 'error', 'blocked'] as const)('filters outcome=%s', async (outcome) => {
    const got = await ledgerIs(`outcome=${outcome}`);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(expected((s) => s.outcome === outcome));
  });

  it('filters by exact action name (case-sensitive)', async () => {
    expect(await ledgerIs('action_name=database_query')).toEqual(expected((s) => s.name === 'database_query'));
    expect(await ledgerIs('action_name=DATABASE_QUERY')).toEqual([]);
  });

  it('filters by agent id, including non-ASCII ones', async () => {
    expect(await ledgerIs('agent_id=agent-beta')).toEqual(expected((s) => s.agent === 'agent-beta'));
    expect(await ledgerIs(`agent_id=${encodeURIComponent('Ägent-γ')}`)).toEqual(expected((s) => s.agent === 'Ägent-γ'));
  });

  it('filters by run id (UUID or 32 hex) and derives run status', async () => {
    const root = byI.get(100);
    expect(await ledgerIs(`run_id=${root.run_id}`)).toEqual(expected((s) => s.runKey === 'run-100'));
    expect(await ledgerIs(`run_id=${root.trace_id}`)).toEqual(expected((s) => s.runKey === 'run-100'));
    expect([100, 101, 102].map((i) => byI.get(i).run_status)).toEqual(['completed', 'completed', 'completed']);
    expect([200, 201, 202].map((i) => byI.get(i).run_status)).toEqual(['failed', 'failed', 'failed']);
    expect(byI.get(300).run_status).toBe('running');
    expect(byI.get(101).parent_span_id).toBe(root.span_id);
  });

  it('filters by cost range, bounds inclusive', async () => {
    expect(await ledgerIs('min_cost=0.02')).toEqual(expected((s) => s.costUsd >= 0.02 - 1e-12));
    expect(await ledgerIs('max_cost=0.02')).toEqual(expected((s) => s.costUsd <= 0.02 + 1e-12));
    expect(await ledgerIs('min_cost=0.01&max_cost=0.03')).toEqual(expected((s) => s.costUsd >= 0.01 - 1e-12 && s.costUsd <= 0.03 + 1e-12));
  });

  it('filters by date range, both ends inclusive, RFC 3339 or bare dates', async () => {
    const start = new Date(BASE + 3 * DAY + 3 * 3_600_000).toISOString();
    const end = new Date(BASE + 9 * DAY + 9 * 3_600_000).toISOString();
    expect(await ledgerIs(`start_date=${start}&end_date=${end}`)).toEqual(
      expected((s) => s.startMs >= Date.parse(start) && s.startMs <= Date.parse(end)),
    );
    expect(await ledgerIs('start_date=2024-12-05&end_date=2024-12-05')).toEqual(
      expected((s) => s.startMs >= Date.parse('2024-12-05T00:00:00Z') && s.startMs < Date.parse('2024-12-06T00:00:00Z')),
    );
    expect(await ledgerIs(`end_date=${encodeURIComponent('2024-12-01T01:00:00+01:00')}`)).toEqual(expected((s) => s.startMs <= BASE));
  });

  it('searches substrings of names, agent ids and outcomes, case-insensitively', async () => {
    expect(await ledgerIs('search=DATABASE')).toEqual(expected((s) => s.name.toLowerCase().includes('database')));
    expect(await ledgerIs(`search=${encodeURIComponent('ÄGENT-Γ')}`)).toEqual(expected((s) => s.agent === 'Ägent-γ'));
    expect(await ledgerIs('search=lock')).toEqual(expected((s) => s.outcome === 'blocked'));
    expect(await ledgerIs('search=_')).toEqual(expected((s) => s.name.includes('_')));
    expect(await ledgerIs(`search=${encodeURIComponent("%' OR 1=1 --")}`)).toEqual([]);
    expect(await ledgerIs('search=%25')).toEqual([]);
  });

  it('combines filters', async () => {
    expect(await ledgerIs('outcome=error&agent_id=agent-alpha&sort_by=cost&sort_order=desc')).toEqual(
      expected((s) => s.outcome === 'error' && s.agent === 'agent-alpha', 'cost', 'desc'),
    );
  });

  it('pages from 0 with count and total_pages, and an empty page past the end', async () => {
    const all = expected(() => true);
    const pages: number[] = [];
    for (let page = 0; page < Math.ceil(all.length / 7); page++) {
      const res = await server.get(`/api/v1/ledger?page=${page}&page_size=7`);
      expect(res.body).toMatchObject({ count: all.length, page, page_size: 7, total_pages: Math.ceil(all.length / 7) });
      pages.push(...res.body.data.map((e: any) => e.inputs.i));
    }
    expect(pages).toEqual(all);
    const past = await server.get('/api/v1/ledger?page=99&page_size=7');
    expect(past.status).toBe(200);
    expect(past.body).toMatchObject({ data: [], count: all.length, page: 99 });
  });

  it.each([
    ['page=-1', 'page'],
    ['page=1.5', 'page'],
    ['page_size=0', 'page_size'],
    ['page_size=1001', 'page_size'],
    ['outcome=failed', 'outcome'],
    ['sort_by=agent', 'sort_by'],
    ['sort_order=up', 'sort_order'],
    ['min_cost=cheap', 'min_cost'],
    ['max_cost=-1', 'max_cost'],
    ['min_cost=2&max_cost=1', 'min_cost'],
    ['start_date=yesterday', 'start_date'],
    ['end_date=2024-13-45', 'end_date'],
    ['start_date=2024-12-02&end_date=2024-12-01', 'start_date'],
    ['run_id=not-a-uuid', 'run_id'],
    ['search=', 'search'],
    ['outcomes=error', 'outcomes'],
    ['outcome=error&outcome=success', 'outcome'],
  ])('answers 400 VALIDATION_ERROR naming the parameter for %s', async (query, param) => {
    const res = await server.get(`/api/v1/ledger?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.message).toContain(`\`${param}\``);
  });

  it.each(['timestamp', 'cost', 'duration', 'name'].flatMap((by) => ['asc', 'desc'].map((order) => [by, order] as const)))(
    'walks every page by cursor, sort %s %s, exactly as by page numbers (count and total_pages kept, page null)',
    async (by, order) => {
      const all = expected(() => true, by, order as 'asc' | 'desc');
      const walked: number[] = [];
      let res = await server.get(`/api/v1/ledger?page_size=4&sort_by=${by}&sort_order=${order}`);
      expect(res.body.page).toBe(0);
      for (;;) {
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body).toMatchObject({ count: all.length, page_size: 4, total_pages: Math.ceil(all.length / 4) });
        walked.push(...res.body.data.map((e: any) => e.inputs.i));
        if (res.body.next_cursor === null) break;
        expect(res.body.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        res = await server.get(`/api/v1/ledger?page_size=4&sort_by=${by}&sort_order=${order}&cursor=${res.body.next_cursor}`);
        expect(res.body.page).toBeNull();
        expect(walked.length).toBeLessThan(all.length + 4);
      }
      expect(walked).toEqual(all);
    },
  );

  it('follows a cursor with filters, and refuses it for other filters, another sort, or with a page', async () => {
    const errors = expected((s) => s.outcome === 'error');
    const first = await server.get('/api/v1/ledger?outcome=error&page_size=2');
    expect(first.body.data.map((e: any) => e.inputs.i)).toEqual(errors.slice(0, 2));
    const cursor = first.body.next_cursor;
    const second = await server.get(`/api/v1/ledger?outcome=error&page_size=2&cursor=${cursor}`);
    expect(second.body.data.map((e: any) => e.inputs.i)).toEqual(errors.slice(2, 4));
    // page_size may change between pages: it is not part of the position
    const wider = await server.get(`/api/v1/ledger?outcome=error&page_size=100&cursor=${cursor}`);
    expect(wider.body.data.map((e: any) => e.inputs.i)).toEqual(errors.slice(2));
    expect(wider.body.next_cursor).toBeNull();
    for (const query of [
      `cursor=${cursor}`,
      `outcome=blocked&cursor=${cursor}`,
      `outcome=error&agent_id=agent-alpha&cursor=${cursor}`,
      `outcome=error&sort_order=asc&cursor=${cursor}`,
      `outcome=error&sort_by=cost&cursor=${cursor}`,
      `outcome=error&page=1&cursor=${cursor}`,
    ]) {
      const res = await server.get(`/api/v1/ledger?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.message, query).toContain('`cursor`');
    }
    // the seed's page=0 may stay in the query
    expect((await server.get(`/api/v1/ledger?outcome=error&page_size=2&page=0&cursor=${cursor}`)).status).toBe(200);
  });

  it('answers 400 naming `cursor` for every hostile cursor, never a 5xx', async () => {
    const good: string = (await server.get('/api/v1/ledger?page_size=1')).body.next_cursor;
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const [, by, order, key, id, now, sum] = JSON.parse(Buffer.from(good, 'base64url').toString());
    const hostile = [
      '', 'x', '!!!!', good.slice(0, -1), good.slice(0, -3), `${good}A`, `${good}==`, good.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      `${good.slice(0, 10)}%00${good.slice(10)}`, 'A'.repeat(12_000), b64('not json'), b64('\xff\xfe'), Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url'),
      b64(null), b64(1), b64('"string"'), b64({}), b64({ __proto__: { polluted: true } }), b64('{"__proto__":{"polluted":true}}'), b64('{"constructor":{"prototype":{"x":1}}}'),
      b64([]), b64([2, by, order, key, id, now]), b64([2, by, order, key, id, now, sum, 'extra']), b64([1, by, order, key, id, sum]), b64([1, by, order, key, id, now, sum]), b64([3, by, order, key, id, now, sum]),
      b64([2, by, order, key, id, now + 1, sum]), b64([2, by, order, key, id, -1, sum]), b64([2, by, order, key, id, Date.now() + 7 * 86_400_000, sum]), b64([2, by, order, key, id, String(now), sum]),
      b64([2, 'agent', order, key, id, now, sum]), b64([2, '__proto__', order, key, id, now, sum]), b64([2, by, 'sideways', key, id, now, sum]),
      b64([2, by, order, String(key), id, now, sum]), b64([2, by, order, key + 0.5, id, now, sum]), b64([2, by, order, 2 ** 60, id, now, sum]), b64([2, by, order, null, id, now, sum]),
      b64([2, by, order, { $gt: 0 }, id, now, sum]), b64([2, by, order, [key], id, now, sum]), b64([2, by, order, key, 42, now, sum]), b64([2, by, order, key, '', now, sum]),
      b64([2, by, order, key, 'x'.repeat(5000), now, sum]), b64([2, by, order, key, id, now, 'forged']), b64([2, by, order, key - 1, id, now, sum]), b64([2, by, order, key, `${id}' OR 1=1 --`, now, sum]),
      `${b64('[2,')}${b64(`"${by}"]`)}`, b64(`[2,"${by}","${order}",1e999,"${id}",${now},"${sum}"]`), b64('['.repeat(5000)),
    ];
    for (const cursor of hostile) {
      const res = await server.get(`/api/v1/ledger?page_size=1&cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor.slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.message).toContain('`cursor`');
    }
    // nothing of it stuck: the good cursor still works
    expect((await server.get(`/api/v1/ledger?page_size=1&cursor=${good}`)).status).toBe(200);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('starts an export after a ledger page (timestamp, newest first) and refuses cursors of other sorts or filters', async () => {
    const all = expected(() => true);
    const page = await server.get('/api/v1/ledger?page_size=5');
    const res = await server.get(`/api/v1/ledger/export?format=jsonl&limit=10&cursor=${page.body.next_cursor}`);
    expect(res.status).toBe(200);
    const lines = String(res.body).trim().split('\n').map((l) => JSON.parse(l).inputs.i);
    expect(lines).toEqual(all.slice(5, 15));
    const csv = await server.get(`/api/v1/ledger/export?format=csv&limit=10&cursor=${page.body.next_cursor}`);
    expect(csv.status).toBe(200);
    expect(String(csv.body).trim().split('\n')).toHaveLength(11);
    const byCost = await server.get('/api/v1/ledger?page_size=5&sort_by=cost');
    for (const query of [`cursor=${byCost.body.next_cursor}`, `outcome=error&cursor=${page.body.next_cursor}`, 'cursor=garbage']) {
      const bad = await server.get(`/api/v1/ledger/export?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.message).toContain('`cursor`');
    }
  });

  it('answers 404 NOT_FOUND in the error shape for unknown routes', async () => {
    const res = await server.get('/api/v1/nothing');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });

  it('reports health and readiness', async () => {
    expect((await server.get('/healthz')).status).toBe(200);
    const ready = await server.get('/readyz');
    expect(ready.status).toBe(200);
    // the test server runs the OTLP/gRPC receiver too (on a free port), which has its own check
    expect(ready.body.checks.map((c: any) => c.name)).toEqual(['store', 'queue', 'otlp_grpc']);
    expect(ready.body.checks.every((c: any) => c.ok)).toBe(true);
  });
});
