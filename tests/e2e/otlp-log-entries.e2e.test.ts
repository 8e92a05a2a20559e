import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fake } from '../helpers/fake-secrets.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * OTLP log records that are not GenAI events of a span become ledger entries
 * of kind `log`: in the agent's feed, under `kind=log`, found by `q`, with
 * their severity and the span they were emitted in. Sent by the official
 * @opentelemetry/sdk-logs with the OTLP/protobuf exporter, and as raw
 * OTLP/JSON for what no SDK would send.
 */
let server: ServerProcess;
let logsUrl: string;
const VALUE_CAP = 4096;

beforeAll(async () => {
  server = await startServerProcess({ env: { AGENT_LEDGER_OTLP_MAX_ATTRIBUTE_VALUE_BYTES: String(VALUE_CAP) } });
  logsUrl = server.otlpUrl.replace(/\/v1\/traces$/, '/v1/logs');
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

/** The official SDK's logger of one service, flushed after `emit`. */
async function sdkLogs(serviceName: string, emit: (logger: ReturnType<LoggerProvider['getLogger']>) => void): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: logsUrl, headers: server.auth }) })],
  });
  emit(provider.getLogger('e2e-agent'));
  await provider.forceFlush();
  await provider.shutdown();
}

async function until<T>(what: string, read: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The ledger's entries for `query` once there are `n` of them. */
async function ledger(query: Record<string, string>, n: number): Promise<any[]> {
  return until(`${n} entries for ${JSON.stringify(query)}`, async () => {
    const res = await server.get(`/api/v1/ledger?${new URLSearchParams({ page_size: '100', ...query })}`);
    expect(res.status).toBe(200);
    return res.body.count >= n ? res.body.data : null;
  });
}

function postJson(body: unknown, url = logsUrl, auth = server.auth) {
  return fetch(url, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const nowNanos = () => String(BigInt(Date.now()) * 1_000_000n);

/** One OTLP/JSON logs request of one service. */
function logsRequest(service: string, ...records: Array<Record<string, unknown>>) {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [{ scope: { name: 'e2e' }, logRecords: records.map((r) => ({ timeUnixNano: nowNanos(), ...r })) }],
      },
    ],
  };
}

describe('OTLP log records become `log` entries of their agent', () => {
  it('a plain log from the official SDK is in its agent feed, under kind=log, found by q, with severity and span; it makes no run', async () => {
    const agent = `log-agent-${randomBytes(4).toString('hex')}`;
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    await sdkLogs(agent, (logger) => {
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'walrusinventory checked 12 crates', attributes: { 'crate.count': 12 } });
      const inSpan = trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
      logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'walrusrefund failed: card declined', context: inSpan });
    });

    const logs = await ledger({ agent_id: agent, kind: 'log' }, 2);
    expect(logs).toHaveLength(2);
    const info = logs.find((e) => e.attributes['log.severity_text'] === 'INFO');
    const error = logs.find((e) => e.attributes['log.severity_text'] === 'ERROR');
    expect(info).toMatchObject({ kind: 'log', name: 'log', outcome: 'success', agent_id: agent, service_name: agent, cost_usd: 0, inputs: null });
    expect(info.outputs).toEqual({ body: 'walrusinventory checked 12 crates' });
    expect(info.attributes['log.severity_number']).toBe(SeverityNumber.INFO);
    expect(info.attributes['crate.count']).toBe(12);
    expect(info.trace_id).toBe('0'.repeat(32)); // emitted outside any trace
    expect(info.parent_span_id).toBeNull();
    // severity ERROR and above: outcome error; the span it was emitted in is its parent
    expect(error).toMatchObject({ outcome: 'error', trace_id: traceId, parent_span_id: spanId });
    expect(error.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(error.span_id).not.toBe(spanId);

    // other kinds do not list it; the kind filter does; q finds the body
    expect((await server.get(`/api/v1/ledger?kind=llm&agent_id=${agent}`)).body.count).toBe(0);
    expect((await server.get(`/api/v1/ledger?kind=log&outcome=error&agent_id=${agent}`)).body.data.map((e: any) => e.id)).toEqual([error.id]);
    const q = await server.get(`/api/v1/ledger?${new URLSearchParams({ q: '"card declined"', agent_id: agent })}`);
    expect(q.body.data.map((e: any) => e.id)).toEqual([error.id]);

    // the agent was registered from the log and its feed shows both, newest first
    const feed = await server.get(`/api/v1/agents/${encodeURIComponent(agent)}/actions`);
    expect(feed.status).toBe(200);
    const fromLogs = feed.body.filter((i: any) => i.source === 'log' && i.log.log_type === 'log');
    expect(fromLogs.map((i: any) => i.log.id).sort()).toEqual([info.id, error.id].sort());
    const errorItem = fromLogs.find((i: any) => i.log.id === error.id).log;
    expect(errorItem.message).toBe('[ERROR] walrusrefund failed: card declined');
    expect(errorItem.metadata).toMatchObject({ kind: 'log', severity_text: 'ERROR', severity_number: 17, body: 'walrusrefund failed: card declined', trace_id: traceId, span_id: spanId });
    const infoItem = fromLogs.find((i: any) => i.log.id === info.id).log;
    expect(infoItem.metadata).toMatchObject({ trace_id: null, span_id: null, run_id: null });

    // a log is no action: no run for its trace, no action counted on the agent
    expect((await server.get(`/tenants/default/traces/${traceId}`)).status).toBe(404);
    expect((await server.get(`/api/v1/runs?agent_id=${agent}`)).body.count).toBe(0);
    const registered = await server.get(`/api/v1/agents/${encodeURIComponent(agent)}`);
    expect(registered.status).toBe(200);
    expect(registered.body.external_ids).toContain(agent);
    // an ERROR log is no failed action: the agent's counters and trust see none, but it was seen
    expect(registered.body).toMatchObject({ action_count: 0, error_rate: 0 });
    expect(registered.body.last_seen_at).not.toBeNull();
  });

  it('a log emitted inside a stored span shows among its run\'s actions under that span, and leaves the run\'s counts alone', async () => {
    const agent = `log-agent-${randomBytes(4).toString('hex')}`;
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    const start = BigInt(Date.now()) * 1_000_000n;
    const spans = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: agent } }] },
        scopeSpans: [{ spans: [{ traceId, spanId, name: 'handle_ticket', kind: 1, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 5_000_000n) }] }],
      }],
    };
    const res = await fetch(server.otlpUrl, { method: 'POST', headers: { ...server.auth, 'Content-Type': 'application/json' }, body: JSON.stringify(spans) });
    expect(res.status).toBe(200);
    const log = await postJson(logsRequest(agent, { traceId, spanId, timeUnixNano: String(start + 1_000_000n), body: { stringValue: 'ibex step one' } }));
    expect(log.status).toBe(200);
    const [entry] = await ledger({ agent_id: agent, kind: 'log' }, 1);
    const run = await until('the run with its log', async () => {
      const r = await server.get(`/api/v1/runs/${traceId}`);
      return r.status === 200 && r.body.actions.length === 2 ? r.body : null;
    });
    expect(run.actions.map((a: any) => [a.kind, a.parent_span_id])).toEqual([['other', null], ['log', spanId]]);
    expect(run.actions[1].id).toBe(entry.id);
    expect(entry.run_status).toBe('completed'); // its run's status, as any entry of the run
    expect(run.action_count).toBe(1);
    expect(run.status).toBe('completed');
  });

  it('accepted, not rejected: partial_success is empty, a GenAI event outside a span is a log entry, a re-sent record is one entry', async () => {
    const agent = `log-agent-${randomBytes(4).toString('hex')}`;
    const before = await metric('agent_ledger_otlp_log_records_accepted_total');
    const request = logsRequest(
      agent,
      { body: { stringValue: 'okapi plain line' }, severityText: 'WARN', severityNumber: 13 },
      {
        eventName: 'gen_ai.user.message',
        body: { kvlistValue: { values: [{ key: 'content', value: { stringValue: 'okapi question with no span' } }] } },
        attributes: [{ key: 'gen_ai.agent.id', value: { stringValue: agent } }],
      },
    );
    for (let i = 0; i < 2; i++) {
      const res = await postJson(request);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    const entries = await ledger({ agent_id: agent, kind: 'log' }, 2);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate, if any, would be written by now
    expect((await server.get(`/api/v1/ledger?kind=log&agent_id=${agent}`)).body.count).toBe(2);
    const event = entries.find((e) => e.name === 'gen_ai.user.message');
    expect(event.outputs).toEqual({ body: { content: 'okapi question with no span' } });
    expect(await metric('agent_ledger_otlp_log_records_accepted_total')).toBe(before + 4);
  });

  it('a secret in a log body or attribute is redacted before it is stored, in the ledger and the feed', async () => {
    const agent = `log-agent-${randomBytes(4).toString('hex')}`;
    const secret = `sk-proj-${fake(48, 11)}`;
    await sdkLogs(agent, (logger) => {
      logger.emit({ severityText: 'INFO', body: `narwhal calling the API with ${secret}`, attributes: { api_key: 'hunter2-plain' } });
      logger.emit({ severityText: 'INFO', body: { narwhal: 'structured', config: { password: 'correct horse battery', token: secret } } as any });
    });
    const entries = await ledger({ agent_id: agent, kind: 'log' }, 2);
    const stored = JSON.stringify(entries);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain('hunter2-plain');
    expect(stored).not.toContain('correct horse battery');
    expect(stored).toContain('[REDACTED');
    for (const e of entries) expect(e.redactions).toBeGreaterThan(0);
    const feed = JSON.stringify((await server.get(`/api/v1/agents/${encodeURIComponent(agent)}/actions`)).body);
    expect(feed).toContain('narwhal');
    expect(feed).not.toContain(secret);
  });

  it('hostile bodies (huge, deeply nested, binary bytes, control characters) are capped or kept as data, and the server stays up', async () => {
    const agent = `log-agent-${randomBytes(4).toString('hex')}`;
    // 3000 levels of kvlist, written as text: JSON.stringify itself would overflow the stack
    const DEEP = 3000;
    const nested = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(DEEP)}{"stringValue":"bottom"}${'}]}}'.repeat(DEEP)}`;
    const binary = Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x0d, 0x0a]);
    const control = 'emu\u0000line\u001b[2J\r\n\u202eevil\ud800';
    const request = JSON.stringify(
      logsRequest(
        agent,
        { body: { stringValue: `emuhuge ${'x'.repeat(200_000)}` } },
        { body: 'NESTED', attributes: [{ key: 'shape', value: { stringValue: 'nested' } }] },
        { body: { bytesValue: binary.toString('base64') }, attributes: [{ key: 'shape', value: { stringValue: 'bytes' } }] },
        { body: { stringValue: control }, attributes: [{ key: 'shape', value: { stringValue: 'control' } }] },
      ),
    );
    const res = await postJson(request.replace('"NESTED"', nested));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const entries = await ledger({ agent_id: agent, kind: 'log' }, 4);
    const byShape = (s: string) => entries.find((e) => e.attributes.shape === s);

    const huge = entries.find((e) => e.attributes.shape === undefined);
    expect(Buffer.byteLength(huge.outputs.body)).toBeLessThanOrEqual(VALUE_CAP);
    expect(huge.truncated_fields).toContain('body');

    let depth = 0;
    for (let v = byShape('nested').outputs.body; v && typeof v === 'object'; v = v.k) depth++;
    expect(depth).toBeGreaterThan(0);
    expect(depth).toBeLessThanOrEqual(64);
    expect(byShape('nested').truncated_fields).toContain('body');

    expect(Buffer.from(byShape('bytes').outputs.body, 'base64')).toEqual(binary);
    expect(byShape('control').outputs.body).toBe(control); // kept exactly, lone surrogate included

    // the feed renders each as JSON text, and the API still answers
    const feed = await server.get(`/api/v1/agents/${encodeURIComponent(agent)}/actions`);
    expect(feed.status).toBe(200);
    expect(feed.body.filter((i: any) => i.log?.log_type === 'log')).toHaveLength(4);
    for (const item of feed.body.filter((i: any) => i.source === 'log')) expect(item.log.message.length).toBeLessThanOrEqual(1001);
    expect((await server.get('/api/v1/ledger?kind=log&q=emuhuge')).body.count).toBe(1);
  });
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.split(' ').at(-1));
  return sum;
}

describe('a flood of logs meets the limits spans meet', () => {
  let small: ServerProcess;
  let smallUrl: string;
  beforeAll(async () => {
    small = await startServerProcess({
      env: { AGENT_LEDGER_OTLP_MAX_BODY_BYTES: String(256 * 1024), AGENT_LEDGER_RATE_LIMITS_INGEST_PER_HOUR: '4' },
    });
    smallUrl = small.otlpUrl.replace(/\/v1\/traces$/, '/v1/logs');
  }, 60_000);
  afterAll(async () => {
    await small?.stop();
  });

  it('every record of a large request is one entry; an oversized body is a 413; past the ingest rate, 429 with Retry-After', async () => {
    const records = Array.from({ length: 3000 }, (_, i) => ({ body: { stringValue: `flood line ${i}` }, severityNumber: 9 }));
    const big = gzipSync(JSON.stringify(logsRequest('flooder', ...records)));
    expect(big.length).toBeLessThan(256 * 1024);
    const ok = await fetch(smallUrl, { method: 'POST', headers: { ...small.auth, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, body: big });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
    const count = await until('3000 log entries', async () => {
      const n = (await small.get('/api/v1/ledger?kind=log&agent_id=flooder')).body.count;
      return n >= 3000 ? n : null;
    });
    expect(count).toBe(3000);

    const tooBig = await postJson(logsRequest('flooder', { body: { stringValue: 'y'.repeat(300 * 1024) } }), smallUrl, small.auth);
    expect(tooBig.status).toBe(413);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await postJson(logsRequest('flooder', { body: { stringValue: `over ${i}` } }), smallUrl, small.auth);
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(small.child.exitCode).toBeNull();
  });
});
