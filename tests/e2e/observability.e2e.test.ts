import { afterEach, describe, expect, it, vi } from 'vitest';
import { otelTracer, recordTree } from '../helpers/otel-sender.js';
import { parsePrometheusText, sumOf, valueOf } from '../helpers/prometheus-text.js';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

const started: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function server(env: Record<string, string> = {}) {
  const s = await startServerProcess({ env });
  started.push(s);
  return s;
}

const PAYLOAD_MARKER = 'payload-marker-7f3a9c';
const QUERY_SECRET = 'query-secret-51be02';
const nowNs = () => BigInt(Date.now()) * 1_000_000n;

let traceCounter = 0;
/** An OTLP/JSON request of `valid` good spans, `badIds` spans with a malformed traceId and `old` spans from 1970. */
function otlpJson(valid: number, badIds = 0, old = 0, attributes: Array<{ key: string; value: { stringValue: string } }> = []): string {
  const traceId = (++traceCounter).toString(16).padStart(32, 'c');
  const start = nowNs() - 5_000_000_000n;
  const span = (i: number, id: string, t0: bigint) => ({
    traceId: id,
    spanId: (i + 1).toString(16).padStart(16, 'd'),
    name: `step-${i}`,
    startTimeUnixNano: String(t0),
    endTimeUnixNano: String(t0 + 1_000_000n),
    attributes: [{ key: 'ledger.inputs', value: { stringValue: `{"note":"${PAYLOAD_MARKER}"}` } }, ...attributes],
  });
  const spans = [
    ...Array.from({ length: valid }, (_, i) => span(i, traceId, start + BigInt(i))),
    ...Array.from({ length: badIds }, (_, i) => span(100 + i, 'not-hex', start)),
    ...Array.from({ length: old }, (_, i) => span(200 + i, traceId, 1_000_000_000n)),
  ];
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'obs-test' } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }],
  });
}

async function post(s: ServerProcess, body: string, headers: Record<string, string> = s.auth): Promise<number> {
  const res = await fetch(s.otlpUrl, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
  await res.arrayBuffer();
  return res.status;
}

async function scrape(s: ServerProcess) {
  const res = await fetch(`${s.metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

function requestLines(s: ServerProcess): Array<Record<string, unknown>> {
  return s.logs
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'request');
}

describe('metrics, health and request logs on the metrics port', () => {
  it('counts a known workload exactly: spans by encoding and reason, requests by status, queries by route template, refusals and auth failures', async () => {
    const s = await server({ AGENT_LEDGER_RATE_LIMITS_STATS_PER_HOUR: '1' });
    // OTLP: 5 good; 3 good + 2 malformed + 1 outside the window; 4 good, one carrying an e-mail address; two refused before decoding
    expect(await post(s, otlpJson(5))).toBe(200);
    expect(await post(s, otlpJson(3, 2, 1))).toBe(200);
    expect(await post(s, otlpJson(4, 0, 0, [{ key: 'user.note', value: { stringValue: 'write to alice.liddell@example.com' } }]))).toBe(200);
    expect(await post(s, otlpJson(1), {})).toBe(401);
    expect((await fetch(s.otlpUrl.replace('/v1/traces', `/v1/${QUERY_SECRET}`), { method: 'POST', body: '{}' })).status).toBe(404);
    expect(await post(s, otlpJson(1), { Authorization: 'Bearer alk_nosuchky_0000000000000000000000000000000000000000' })).toBe(401);
    // protobuf, through the official exporter: one request per span
    const proto = otelTracer(s.otlpUrl, 'proto', s.auth);
    recordTree(proto.tracer, { name: 'proto-root', children: [{ name: 'proto-child' }] });
    await proto.flush();
    await proto.shutdown();

    // query API: 3 ledger pages (one with a secret-looking search), one run, stats twice (the second over budget), one unknown route
    expect((await s.get('/api/v1/ledger')).status).toBe(200);
    expect((await s.get(`/api/v1/ledger?q=${QUERY_SECRET}`)).status).toBe(200);
    expect((await s.get('/api/v1/ledger', {})).status).toBe(401);
    expect((await s.get('/api/v1/runs/0badc0de-0bad-4c0d-8bad-c0de0badc0de')).status).toBe(404);
    expect((await s.get('/api/v1/ledger/stats')).status).toBe(200);
    expect((await s.get('/api/v1/ledger/stats')).status).toBe(429);
    expect((await s.get('/api/v1/nowhere/1234')).status).toBe(404);

    const { samples, types, help } = await scrape(s);
    const v = (name: string, labels: Record<string, string> = {}) => valueOf(samples, name, labels);
    expect(v('agent_ledger_otlp_spans_received_total', { encoding: 'json' })).toBe(15);
    expect(v('agent_ledger_otlp_spans_accepted_total', { encoding: 'json' })).toBe(12);
    expect(v('agent_ledger_otlp_spans_rejected_total', { encoding: 'json', reason: 'invalid_span' })).toBe(2);
    expect(v('agent_ledger_otlp_spans_rejected_total', { encoding: 'json', reason: 'out_of_window' })).toBe(1);
    expect(v('agent_ledger_otlp_spans_received_total', { encoding: 'protobuf' })).toBe(2);
    expect(v('agent_ledger_otlp_spans_accepted_total', { encoding: 'protobuf' })).toBe(2);
    expect(v('agent_ledger_otlp_requests_total', { status_code: '200', encoding: 'json' })).toBe(3);
    expect(v('agent_ledger_otlp_requests_total', { status_code: '200', encoding: 'protobuf' })).toBe(2);
    expect(v('agent_ledger_otlp_requests_total', { status_code: '401', encoding: 'json' })).toBe(2);
    expect(v('agent_ledger_otlp_requests_total', { status_code: '404', encoding: 'json' })).toBe(1);
    expect(v('agent_ledger_otlp_request_size_bytes_count', { encoding: 'json' })).toBe(3);
    expect(v('agent_ledger_spans_redacted_total')).toBe(4); // the e-mail attribute is on each of the 4 spans
    expect(v('agent_ledger_redactions_total')).toBe(4);
    expect(v('agent_ledger_auth_failures_total', { surface: 'otlp', reason: 'missing_credential' })).toBe(1);
    expect(v('agent_ledger_auth_failures_total', { surface: 'otlp', reason: 'invalid_key' })).toBe(1);
    expect(v('agent_ledger_auth_failures_total', { surface: 'api', reason: 'missing_credential' })).toBe(1);
    expect(v('agent_ledger_rate_limit_refusals_total', { class: 'stats' })).toBe(1);
    // every accepted span was written, in batches the store committed
    expect(v('agent_ledger_store_rows_written_total')).toBe(14);
    expect(v('agent_ledger_store_rows_inserted_total')).toBe(14);
    expect(v('agent_ledger_store_write_batches_total')).toBeGreaterThanOrEqual(1);
    expect(v('agent_ledger_store_write_duration_seconds_count')).toBe(v('agent_ledger_store_write_batches_total'));
    expect(v('agent_ledger_queue_envelopes', { state: 'waiting' })).toBe(0);
    expect(v('agent_ledger_queue_spans')).toBe(0);
    expect(v('agent_ledger_queue_pending_bytes')).toBe(0);
    // latency by route template and status class, never the raw path
    const count = (route: string, status_class: string) =>
      v('agent_ledger_api_request_duration_seconds_count', { method: 'GET', route, status_class });
    expect(count('/api/v1/ledger', '2xx')).toBe(2);
    expect(count('/api/v1/ledger', '4xx')).toBe(1);
    expect(count('/api/v1/runs/:run_id', '4xx')).toBe(1);
    expect(count('/api/v1/ledger/stats', '2xx')).toBe(1);
    expect(count('/api/v1/ledger/stats', '4xx')).toBe(1);
    expect(count('unmatched', '4xx')).toBe(1);
    const routes = new Set(samples.filter((x) => x.name.startsWith('agent_ledger_api_')).map((x) => x.labels.route));
    expect([...routes].filter((r) => r.includes('0badc0de') || r.includes('nowhere') || r.includes('?'))).toEqual([]);
    // process metrics, types and help text
    expect(sumOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(types.get('agent_ledger_otlp_spans_accepted_total')).toBe('counter');
    expect(types.get('agent_ledger_store_write_duration_seconds')).toBe('histogram');
    expect(help.get('agent_ledger_queue_oldest_age_seconds')).toBeTruthy();
    // no label value carries an organization, a key or a trace id
    const labelValues = samples.flatMap((x) => Object.values(x.labels));
    expect(labelValues.filter((l) => /default|alk_|cccc/.test(l))).toEqual([]);

    // one request line per request: 7 OTLP (and one to no endpoint), 7 queries; pino writes them asynchronously
    await vi.waitFor(() => {
      const seen = requestLines(s);
      expect(seen.filter((l) => l.route === '/v1/traces').length + seen.filter((l) => l.component === 'query-api').length).toBeGreaterThanOrEqual(14);
    }, { timeout: 5000, interval: 50 });
    const lines = requestLines(s);
    expect(lines.filter((l) => l.component === 'receiver' && l.route === 'unmatched').map((l) => l.status)).toEqual([404]);
    const otlp = lines.filter((l) => l.route === '/v1/traces');
    const api = lines.filter((l) => l.component === 'query-api');
    expect(otlp).toHaveLength(7);
    expect(api).toHaveLength(7);
    expect(otlp[1]).toMatchObject({ method: 'POST', status: 200, credential: 'alk_testadmn', organization: 'default', spans_accepted: 3, spans_rejected: 3 });
    expect(otlp[1].bytes_in).toBe(Buffer.byteLength(otlpJson(3, 2, 1)));
    expect(otlp[1].bytes_out).toBeGreaterThan(0);
    expect(typeof otlp[1].duration_ms).toBe('number');
    expect(otlp[3]).toMatchObject({ status: 401, credential: null, organization: null, spans_accepted: 0 });
    expect(api.find((l) => l.route === '/api/v1/runs/:run_id')).toMatchObject({ method: 'GET', status: 404, credential: 'alk_testadmn', organization: 'default' });
    expect(api.filter((l) => l.route === '/api/v1/ledger').map((l) => l.status)).toEqual([200, 200, 401]);
    for (const l of api) expect((l.bytes_out as number) > 0).toBe(true);
    // never the key, a payload or a query string, anywhere in the log
    const all = s.logs.join('\n');
    expect(all).not.toContain(TEST_ADMIN_KEY);
    expect(all).not.toContain(TEST_ADMIN_KEY.slice(13));
    expect(all).not.toContain('alk_nosuchky');
    expect(all).not.toContain(PAYLOAD_MARKER);
    expect(all).not.toContain('alice.liddell');
    expect(all).not.toContain(QUERY_SECRET);
    expect(all).not.toContain('0badc0de');
  });

  it('logs only a sampled share of requests: none at rate 0', async () => {
    const s = await server({ AGENT_LEDGER_LOG_REQUEST_SAMPLE_RATE: '0' });
    expect(await post(s, otlpJson(2))).toBe(200);
    expect((await s.get('/api/v1/ledger')).status).toBe(200);
    await fetch(`${s.metricsUrl}/metrics`).then((r) => r.text());
    expect(requestLines(s)).toEqual([]);
  });

  it('answers /healthz and /readyz on the metrics port, and nothing else there', async () => {
    const s = await server();
    const health = await fetch(`${s.metricsUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${s.metricsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: [{ name: 'store', ok: true }, { name: 'queue', ok: true }, { name: 'otlp_grpc', ok: true }] });
    expect((await fetch(`${s.metricsUrl}/api/v1/ledger`)).status).toBe(404);
    expect((await fetch(`${s.metricsUrl}/metrics`, { method: 'POST' })).status).toBe(405);
    // the query API keeps its own probes
    expect((await s.get('/readyz', {})).status).toBe(200);
  });

  it('turns the metrics listener off with metrics_port 0', async () => {
    const s = await server({ AGENT_LEDGER_METRICS_PORT: '0' });
    await expect(fetch(`${s.metricsUrl}/metrics`)).rejects.toThrow();
    const listening = s.logs.find((l) => l.includes('agent-ledger listening'))!;
    expect(JSON.parse(listening).metrics).toBeNull();
  });
});
