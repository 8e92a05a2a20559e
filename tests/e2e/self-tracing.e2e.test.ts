import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import root from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freePort, startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

const ExportRequest = (root as any).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  attributes: Record<string, unknown>;
  service: unknown;
}

/** A plain HTTP server standing in for an OTLP collector: keeps every request and the spans in it. */
class FakeCollector {
  readonly requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  readonly spans: ReceivedSpan[] = [];
  private server: Server | null = null;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ method: req.method!, url: req.url!, headers: req.headers });
        const decoded = ExportRequest.toObject(ExportRequest.decode(Buffer.concat(chunks)), { longs: String, bytes: String });
        for (const rs of decoded.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a: any) => a.key === 'service.name')?.value?.stringValue;
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              const attributes = Object.fromEntries((s.attributes ?? []).map((a: any) => [a.key, Object.values(a.value)[0]]));
              this.spans.push({ name: s.name, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', attributes, service });
            }
          }
        }
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function otlpRequest(traceId: string) {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'traced-agent' } }] },
        scopeSpans: [{ scope: { name: 'test' }, spans: [{ traceId, spanId: 'd'.repeat(16), name: 'tool-call', startTimeUnixNano: String(nowNs - 1_000_000n), endTimeUnixNano: String(nowNs) }] }],
      },
    ],
  };
}

async function ingestAndQuery(server: ServerProcess, traceId: string): Promise<void> {
  const res = await fetch(server.otlpUrl, { method: 'POST', headers: { 'Content-Type': 'application/json', ...server.auth }, body: JSON.stringify(otlpRequest(traceId)) });
  expect(res.status).toBe(200);
  const query = await server.get('/api/v1/ledger?search=secret-looking-term&page_size=5');
  expect(query.status).toBe(200);
}

describe('self-tracing on', () => {
  const collector = new FakeCollector();
  let server: ServerProcess;
  beforeAll(async () => {
    await collector.start();
    server = await startServerProcess({
      env: {
        AGENT_LEDGER_SELF_TRACING_ENDPOINT: `http://127.0.0.1:${collector.port}`,
        AGENT_LEDGER_SELF_TRACING_HEADERS: 'authorization=Bearer%20collector-key',
      },
    });
    await ingestAndQuery(server, 'a'.repeat(32));
    // health probes are not traced
    for (const path of ['/healthz', '/readyz']) expect((await server.get(path, {})).status).toBe(200);
    // the last batch is exported on shutdown
    expect(await server.stop()).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    await collector.close();
  });

  it('sends the spans of an OTLP request, its queue write, the store write and an API request to the collector', () => {
    const names = collector.spans.map((s) => s.name).sort();
    expect(names).toEqual(['GET /api/v1/ledger', 'POST /v1/traces', 'queue.enqueue', 'store.write']);
    const byName = Object.fromEntries(collector.spans.map((s) => [s.name, s]));
    expect(byName['POST /v1/traces'].attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/traces',
      'http.response.status_code': '200',
      'agent_ledger.spans.accepted': '1',
      'agent_ledger.spans.rejected': '0',
      'agent_ledger.organization_id': 'default',
    });
    // the enqueue belongs to its request; the store write (many requests' entries) is a trace of its own
    expect(byName['queue.enqueue'].traceId).toBe(byName['POST /v1/traces'].traceId);
    expect(byName['queue.enqueue'].parentSpanId).toBe(byName['POST /v1/traces'].spanId);
    expect(byName['store.write'].parentSpanId).toBe('');
    expect(byName['store.write'].attributes['agent_ledger.entries']).toBe('1');
    expect(byName['GET /api/v1/ledger'].attributes).toMatchObject({ 'http.route': '/api/v1/ledger', 'http.response.status_code': '200' });
    for (const s of collector.spans) expect(s.service).toBe('agent-ledger');
  });

  it('posts OTLP protobuf to /v1/traces with the configured headers', () => {
    expect(collector.requests.length).toBeGreaterThan(0);
    for (const r of collector.requests) {
      expect(r).toMatchObject({ method: 'POST', url: '/v1/traces' });
      expect(r.headers['content-type']).toBe('application/x-protobuf');
      expect(r.headers.authorization).toBe('Bearer collector-key');
    }
  });

  it('carries no query string, key or payload in its spans, and traces none of its own exports', () => {
    const text = JSON.stringify(collector.spans);
    for (const secret of ['secret-looking-term', TEST_ADMIN_KEY, 'tool-call', 'traced-agent', 'collector-key']) expect(text).not.toContain(secret);
    // an exported request would show as a client span or a second POST
    expect(collector.spans.filter((s) => s.name.startsWith('POST'))).toHaveLength(1);
  });
});

describe('self-tracing off', () => {
  const collector = new FakeCollector();
  afterAll(() => collector.close());

  it('sends nothing without self_tracing.endpoint, even with the standard OTEL_ variables set, and nothing at sample_ratio 0', async () => {
    await collector.start();
    const runs: Array<Record<string, string>> = [
      { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}`, OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'false' },
      { AGENT_LEDGER_SELF_TRACING_ENDPOINT: `http://127.0.0.1:${collector.port}/v1/traces`, AGENT_LEDGER_SELF_TRACING_SAMPLE_RATIO: '0' },
    ];
    for (const [i, env] of runs.entries()) {
      const server = await startServerProcess({ env });
      await ingestAndQuery(server, String(i + 1).repeat(32));
      expect(await server.stop()).toBe(0);
    }
    expect(collector.requests).toEqual([]);
  });
});

describe('self-tracing to itself', () => {
  function start(role: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const { REDIS_URL: _r, AGENT_LEDGER_CONFIG: _c, ...inherited } = process.env;
    const child = spawn(process.execPath, [CLI, role], {
      env: { ...inherited, AGENT_LEDGER_DATA_DIR: mkdtempSync(join(tmpdir(), 'ledger-selftrace-')), AGENT_LEDGER_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve({ code, stderr }))));
  }

  it('is refused at start with exit 78 and a config error naming self_tracing.endpoint', async () => {
    const port = await freePort();
    // every spelling is checked in tests/unit/self-tracing.test.ts; here a few through the real start
    const cases = [
      ['all', `http://localhost:${port}`],
      ['all', `http://[::1]:${port}/v1/traces`],
      ['all', `http://0x7f.1:${port}`],
      ['receiver', `http://0.0.0.0:${port}/`],
    ];
    const results = await Promise.all(cases.map(([role, endpoint]) => start(role, { AGENT_LEDGER_OTLP_PORT: String(port), AGENT_LEDGER_SELF_TRACING_ENDPOINT: endpoint })));
    for (const [i, result] of results.entries()) {
      expect(result.code, `${cases[i].join(' ')}: ${result.stderr}`).toBe(78);
      expect(result.stderr).toMatch(/^agent-ledger: invalid configuration: self_tracing\.endpoint: .* is this process's own OTLP receiver/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1); // no stack
    }
  }, 60_000);
});
