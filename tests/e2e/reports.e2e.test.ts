import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationMicros } from '../../model/duration-histogram.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { generateWorkload, type SentSpan } from '../helpers/workload.js';
import { usdOf } from '../helpers/usd.js';

let server: ServerProcess;
const BASE_MS = Date.parse('2025-03-01T00:00:00Z');
const { spans, requests } = generateWorkload(42, 120, BASE_MS);

const durationMs = (s: SentSpan) => Number(s.endNs - s.startNs) / 1e6;
const startUs = (s: SentSpan) => Number(s.startNs / 1000n);
const isoUs = (us: number) => new Date(Math.floor(us / 1000)).toISOString().slice(0, 23) + String(us % 1000).padStart(3, '0') + 'Z';

beforeAll(async () => {
  server = await startServerProcess();
  for (const body of requests) {
    const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...server.auth } });
    expect(res.status).toBe(200);
  }
});

afterAll(async () => {
  await server?.stop();
});

/** Stats computed here from what was sent, as the seed defines them. */
function expectedStats(selected: SentSpan[]) {
  const cost = selected.reduce((a, s) => a + s.costNanos, 0);
  const dur = selected.reduce((a, s) => a + durationMicros(durationMs(s)), 0);
  const group = (key: (s: SentSpan) => string) => {
    const m = new Map<string, { count: number; cost: number }>();
    for (const s of selected) {
      const g = m.get(key(s)) ?? { count: 0, cost: 0 };
      g.count++;
      g.cost += s.costNanos;
      m.set(key(s), g);
    }
    return [...m.entries()]
      .sort(([ka, a], [kb, b]) => b.cost - a.cost || b.count - a.count || (ka < kb ? -1 : 1))
      .slice(0, 20)
      .map(([k, g]) => [k, g.count, usdOf(g.cost)] as const);
  };
  return {
    total_actions: selected.length,
    total_cost_usd: usdOf(cost),
    success_count: selected.filter((s) => s.outcome === 'success').length,
    error_count: selected.filter((s) => s.outcome === 'error').length,
    blocked_count: selected.filter((s) => s.outcome === 'blocked').length,
    average_duration_ms: selected.length ? Math.round(dur / selected.length) / 1000 : 0,
    unique_agents: new Set(selected.map((s) => s.agent)).size,
    unique_action_types: new Set(selected.map((s) => s.name)).size,
    top_actions: group((s) => s.name).map(([name, count, cost_usd]) => ({ name, count, cost_usd })),
    top_agents: group((s) => s.agent).map(([agent_id, count, cost_usd]) => ({ agent_id, count, cost_usd })),
  };
}

function exactPercentile(selected: SentSpan[], p: number): number {
  const sorted = selected.map(durationMs).sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe('GET /api/v1/ledger/stats', () => {
  it('answers the seed fields exactly over everything', async () => {
    const res = await server.get('/api/v1/ledger/stats');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject(expectedStats(spans));
    expect(Object.keys(res.body)).toEqual(
      expect.arrayContaining(['total_actions', 'total_cost_usd', 'success_count', 'error_count', 'blocked_count', 'average_duration_ms', 'unique_agents', 'unique_action_types']),
    );
  });

  it('gives p50/p95 durations within the stated relative error', async () => {
    const { body } = await server.get('/api/v1/ledger/stats');
    for (const [field, p] of [['p50_duration_ms', 50], ['p95_duration_ms', 95]] as const) {
      const exact = exactPercentile(spans, p);
      expect(Math.abs(body[field] - exact)).toBeLessThanOrEqual(exact * body.percentiles_relative_error + 0.001);
    }
  });

  it.each([
    ['whole days', '2025-03-02', '2025-03-03'],
    ['ranges cutting hours', '2025-03-01T05:17:33.123456Z', '2025-03-03T19:02:11Z'],
    ['inside one hour', '2025-03-02T10:05:00Z', '2025-03-02T10:55:00Z'],
  ])('is exact for %s', async (_what, start, end) => {
    const startMicros = Date.parse(start.length === 10 ? `${start}T00:00:00Z` : start) * 1000 + (start.includes('.123456') ? 456 : 0);
    const endMicros = end.length === 10 ? Date.parse(`${end}T00:00:00Z`) * 1000 + 86_400_000_000 - 1 : Date.parse(end) * 1000;
    const selected = spans.filter((s) => startUs(s) >= startMicros && startUs(s) <= endMicros);
    const res = await server.get(`/api/v1/ledger/stats?start_date=${start}&end_date=${end}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject(expectedStats(selected));
  });

  it('filters by agent, alone and with dates', async () => {
    const agent = spans[0].agent;
    expect((await server.get(`/api/v1/ledger/stats?agent_id=${agent}`)).body).toMatchObject(expectedStats(spans.filter((s) => s.agent === agent)));
    const selected = spans.filter((s) => s.agent === agent && startUs(s) >= Date.parse('2025-03-02T00:00:00Z') * 1000);
    expect((await server.get(`/api/v1/ledger/stats?agent_id=${agent}&start_date=2025-03-02`)).body).toMatchObject(expectedStats(selected));
  });

  it('answers zeros for an empty selection', async () => {
    const res = await server.get('/api/v1/ledger/stats?agent_id=nobody');
    expect(res.body).toMatchObject({ total_actions: 0, total_cost_usd: 0, average_duration_ms: 0, unique_agents: 0, p50_duration_ms: null });
  });

  it.each([
    ['start_date=soon', 'start_date'],
    ['end_date=2025-02-30T00:00:00Z', 'end_date'],
    ['start_date=2025-03-03&end_date=2025-03-01', 'start_date'],
    ['agent_id=', 'agent_id'],
    ['outcome=error', 'outcome'],
  ])('answers 400 for %s', async (query, param) => {
    const res = await server.get(`/api/v1/ledger/stats?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining(`\`${param}\``) });
  });
});

async function download(query: string) {
  const res = await fetch(`${server.apiUrl}/api/v1/ledger/export?${query}`, { headers: server.auth });
  return { res, text: await res.text() };
}

async function ledgerAll(query = ''): Promise<any[]> {
  const out: any[] = [];
  for (let page = 0; ; page++) {
    const { body } = await server.get(`/api/v1/ledger?page_size=1000&page=${page}&${query}`);
    out.push(...body.data);
    if (page >= body.total_pages - 1) return out;
  }
}

describe('GET /api/v1/ledger/export', () => {
  it('exports JSONL by default, every entry, newest first, as an attachment', async () => {
    const { res, text } = await download('');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="ledger-export-.*\.jsonl"$/);
    const rows = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows).toEqual(await ledgerAll());
    expect(rows).toHaveLength(spans.length);
  });

  it('exports JSON as one array', async () => {
    const { res, text } = await download('format=json&outcome=error');
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(JSON.parse(text)).toEqual(await ledgerAll('outcome=error'));
    const empty = await download('format=json&agent_id=nobody');
    expect(JSON.parse(empty.text)).toEqual([]);
  });

  it('exports RFC 4180 CSV that a CSV parser reads back row for row, with formulas defused', async () => {
    const { res, text } = await download('format=csv');
    expect(res.headers.get('content-type')).toContain('text/csv');
    const records: Record<string, string>[] = parseCsv(text, { columns: true, relax_quotes: false });
    const entries = await ledgerAll();
    expect(records).toHaveLength(entries.length);
    const cell = (v: unknown) => {
      if (v === null) return '';
      const s = typeof v === 'string' ? v : typeof v === 'number' ? String(v) : JSON.stringify(v);
      return typeof v !== 'number' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
    };
    records.forEach((record, i) => {
      for (const [column, value] of Object.entries(record)) expect(value, `${i}.${column}`).toBe(cell(entries[i][column]));
    });
    const names = new Set(records.map((r) => r.name));
    expect(names).toContain("'=SUM(A1:A9)");
    expect(names).toContain("'+cmd");
    expect(names).toContain("'-rm");
    expect(names).toContain("'@import");
    expect(names).toContain("'\ttabbed");
    expect(names).toContain('quote "q", comma');
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);
  });

  it('applies every filter of the ledger, and the limit', async () => {
    const agent = spans[0].agent;
    const query = `agent_id=${agent}&outcome=success&min_cost=0.01&max_cost=0.04&start_date=2025-03-02&search=a`;
    const { text } = await download(`${query}&format=jsonl`);
    expect(text.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(await ledgerAll(query));
    const limited = await download('limit=7');
    expect(limited.text.trimEnd().split('\n').map((l) => JSON.parse(l).id)).toEqual((await ledgerAll()).slice(0, 7).map((e) => e.id));
    const run = (await ledgerAll())[0].run_id;
    const byRun = await download(`run_id=${run}`);
    expect(byRun.text.trimEnd().split('\n').every((l) => JSON.parse(l).run_id === run)).toBe(true);
  });

  it.each([
    ['limit=100001', 'limit'],
    ['limit=0', 'limit'],
    ['format=xml', 'format'],
    ['outcome=nope', 'outcome'],
    ['start_date=2025-03-03&end_date=2025-03-01', 'start_date'],
    ['sort_by=cost', 'sort_by'],
  ])('answers 400 for %s', async (query, param) => {
    const res = await server.get(`/api/v1/ledger/export?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining(`\`${param}\``) });
  });
});

describe('runs', () => {
  const runs = new Map<string, SentSpan[]>();
  for (const s of spans) runs.set(s.traceId, [...(runs.get(s.traceId) ?? []), s]);
  const runId = (traceId: string) => traceId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const expectedRun = (traceId: string) => {
    const ss = runs.get(traceId)!;
    const root = ss.find((s) => s.parentSpanId === null)!;
    const start = Math.min(...ss.map(startUs));
    const end = Math.max(...ss.map((s) => Number(s.endNs / 1000n)));
    return {
      id: runId(traceId),
      status: root.outcome === 'error' ? 'failed' : 'completed',
      agent_id: root.agent,
      started_at: isoUs(start),
      ended_at: isoUs(end),
      duration_ms: (end - start) / 1000,
      total_cost_usd: usdOf(ss.reduce((a, s) => a + s.costNanos, 0)),
      action_count: ss.length,
    };
  };

  it('lists runs newest first with their rollups, paged like the ledger', async () => {
    const res = await server.get('/api/v1/runs?page_size=1000');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ count: runs.size, page: 0, page_size: 1000, total_pages: 1 });
    const expected = [...runs.keys()].map(expectedRun).sort((a, b) => (a.started_at < b.started_at ? 1 : -1));
    expect(res.body.data.map((r: any) => ({ ...r }))).toMatchObject(expected);
  });

  it('filters by agent, status and dates, and sorts by cost', async () => {
    const all = [...runs.keys()].map(expectedRun);
    const failed = (await server.get('/api/v1/runs?status=failed&page_size=1000')).body.data.map((r: any) => r.id).sort();
    expect(failed).toEqual(all.filter((r) => r.status === 'failed').map((r) => r.id).sort());
    const agent = spans[0].agent;
    const byAgent = (await server.get(`/api/v1/runs?agent_id=${agent}&page_size=1000`)).body.data.map((r: any) => r.id).sort();
    expect(byAgent).toEqual(all.filter((r) => r.agent_id === agent).map((r) => r.id).sort());
    const dated = (await server.get('/api/v1/runs?start_date=2025-03-02&end_date=2025-03-02&page_size=1000')).body.data.map((r: any) => r.id).sort();
    expect(dated).toEqual(all.filter((r) => r.started_at.startsWith('2025-03-02')).map((r) => r.id).sort());
    const byCost = (await server.get('/api/v1/runs?sort_by=cost&sort_order=asc&page_size=1000')).body.data.map((r: any) => r.total_cost_usd);
    expect(byCost).toEqual([...byCost].sort((a, b) => a - b));
  });

  it('shows one run with its actions in time order, parent ids kept', async () => {
    const traceId = [...runs.keys()][3];
    const res = await server.get(`/api/v1/runs/${runId(traceId)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject(expectedRun(traceId));
    const sent = [...runs.get(traceId)!].sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    expect(res.body.actions.map((a: any) => [a.span_id, a.parent_span_id])).toEqual(sent.map((s) => [s.spanId, s.parentSpanId]));
    expect((await server.get(`/api/v1/runs/${traceId}`)).body.id).toBe(runId(traceId));
  });

  it('answers 404 for an unknown run and 400 for a malformed id or parameter', async () => {
    const missing = await server.get('/api/v1/runs/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    const bad = await server.get('/api/v1/runs/xyz');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('`run_id`');
    for (const [query, param] of [['status=done', 'status'], ['page_size=0', 'page_size'], ['sort_by=name', 'sort_by'], ['start_date=x', 'start_date']]) {
      const res = await server.get(`/api/v1/runs?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(`\`${param}\``);
    }
  });
});
