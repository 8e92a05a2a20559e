import { connect, constants as h2 } from 'node:http2';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import root from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeRetryStatus, encodeJsonRequestAsProtobuf } from '../../collector/otlp/otlp-codec.js';
import { GRPC_TRACE_EXPORT } from '../../collector/receiver/otlp-grpc-receiver.js';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { runCli } from '../helpers/cli.js';
import { grpcExport } from '../helpers/grpc-client.js';
import { otelTracer, recordTree } from '../helpers/otel-sender.js';
import { parsePrometheusText, valueOf } from '../helpers/prometheus-text.js';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

const ExportTraceServiceResponse = (root as any).opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
const MAX_BODY = 256 * 1024;
/** Shared by the two servers compared: pseudonyms are keyed by it. */
const PEPPER = 'grpc-e2e-pepper-0123456789abcdefghijklmnop';

let server: ServerProcess;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  server = await startServerProcess({ env: { AGENT_LEDGER_OTLP_MAX_BODY_BYTES: String(MAX_BODY), AGENT_LEDGER_AUTH_KEY_PEPPER: PEPPER } });
  servers.push(server);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const rawExport = (address: string, body: Buffer, headers: Record<string, string> = ADMIN, options: grpc.ChannelOptions = {}) => grpcExport(address, body, headers, options);

let traceCounter = 0;
/** An OTLP/JSON request with fresh ids; `spans` override fields of each span. */
function request(...spans: Array<Record<string, unknown>>) {
  const traceId = (++traceCounter).toString(16).padStart(32, 'a');
  return {
    traceId,
    json: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'grpc-test' } }] },
          scopeSpans: [
            {
              scope: { name: 'test' },
              spans: spans.map((o, i) => ({
                traceId,
                spanId: (i + 1).toString(16).padStart(16, 'b'),
                name: `grpc-${traceCounter}-${i}`,
                startTimeUnixNano: '1795458428139000000',
                endTimeUnixNano: '1795458428239000000',
                ...o,
              })),
            },
          ],
        },
      ],
    },
  };
}

const runIdOf = (traceId: string) => traceId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

async function entriesOfTrace(s: ServerProcess, traceId: string): Promise<any[]> {
  const res = await s.get(`/api/v1/ledger?run_id=${runIdOf(traceId)}&page_size=1000&sort_by=name&sort_order=asc`);
  expect(res.status).toBe(200);
  return res.body.data;
}

async function ledgerCount(s: ServerProcess): Promise<number> {
  return (await s.get('/api/v1/ledger?page_size=1')).body.count;
}

/** A well-formed export through the official exporter still lands: the process took the bad input and goes on. */
async function stillServing(s: ServerProcess = server): Promise<void> {
  const { traceId, json } = request({});
  const answer = await rawExport(s.otlpGrpcAddress, Buffer.from(encodeJsonRequestAsProtobuf(json)));
  expect(answer.err).toBeNull();
  expect(await entriesOfTrace(s, traceId)).toHaveLength(1);
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) =>
    exporter.export(spans, (result) => (result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('export failed')))),
  );
}

async function metricsOf(s: ServerProcess) {
  return parsePrometheusText(await (await fetch(`${s.metricsUrl}/metrics`)).text()).samples;
}

describe('OTLP/gRPC receiver', () => {
  it('stores the official gRPC exporter spans with the same fields as the same spans sent over OTLP/HTTP', async () => {
    const twin = await startServerProcess({ env: { AGENT_LEDGER_AUTH_KEY_PEPPER: PEPPER } });
    servers.push(twin);
    // one recording, exported both ways: same ids, so each server must make identical entries
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'grpc-compare', 'gen_ai.agent.id': 'agent-grpc' }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
    recordTree(provider.getTracer('grpc-compare'), {
      name: 'invoke_agent support',
      startTime: new Date('2026-11-20T10:00:00Z'),
      durationMs: 900,
      attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support' },
      children: [
        {
          name: 'chat gpt-4o-mini',
          startTime: new Date('2026-11-20T10:00:00.100Z'),
          durationMs: 400,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.provider.name': 'openai',
            'gen_ai.usage.input_tokens': 1200,
            'gen_ai.usage.output_tokens': 300,
            'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'mail me at jane@example.com' }] }]),
          },
        },
        {
          name: 'execute_tool refund',
          startTime: new Date('2026-11-20T10:00:00.600Z'),
          durationMs: 200,
          error: 'card declined',
          attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund', 'gen_ai.tool.call.arguments': '{"order":"A-17","api_key":"sk-live-abc"}' },
        },
      ],
    });
    await provider.forceFlush();
    const spans = memory.getFinishedSpans();
    expect(spans).toHaveLength(3);
    const grpcExporter = new GrpcExporter({ url: `http://${server.otlpGrpcAddress}`, metadata: metadataOf(ADMIN) });
    const httpExporter = new ProtoExporter({ url: twin.otlpUrl, headers: twin.auth });
    try {
      await exportWith(grpcExporter, spans);
      await exportWith(httpExporter, spans);
    } finally {
      await Promise.all([grpcExporter.shutdown(), httpExporter.shutdown()]);
    }
    const traceId = spans[0].spanContext().traceId;
    const viaGrpc = await entriesOfTrace(server, traceId);
    const viaHttp = await entriesOfTrace(twin, traceId);
    expect(viaGrpc).toHaveLength(3);
    expect(viaGrpc).toEqual(viaHttp);
    const chat = viaGrpc.find((e) => e.kind === 'llm');
    expect(chat).toMatchObject({ model: 'gpt-4o-mini', input_tokens: 1200, output_tokens: 300, agent_id: 'agent-grpc' });
    expect(chat.cost_usd).toBeGreaterThan(0);
    // redaction ran on the gRPC path as well: neither the key nor the address is stored
    expect(JSON.stringify(viaGrpc)).not.toContain('sk-live-abc');
    expect(JSON.stringify(viaGrpc)).not.toContain('jane@example.com');
    expect(viaGrpc.filter((e) => e.outcome === 'error').map((e) => e.kind)).toEqual(['tool']);
  });

  it('takes gzip from the official exporter and from a raw client, both through grpc-js compression', async () => {
    const tracer = otelTracer(`http://${server.otlpGrpcAddress}`, 'grpc', ADMIN, 'grpc-gzip', { gzip: true });
    recordTree(tracer.tracer, { name: 'gzipped-by-exporter', startTime: new Date('2026-11-21T09:00:00Z') });
    await tracer.shutdown();
    expect((await server.get('/api/v1/ledger?search=gzipped-by-exporter')).body.count).toBe(1);

    const { traceId, json } = request({ name: 'gzipped-raw' });
    const answer = await rawExport(server.otlpGrpcAddress, Buffer.from(encodeJsonRequestAsProtobuf(json)), undefined, { 'grpc.default_compression_algorithm': 2 });
    expect(answer.err).toBeNull();
    expect((await entriesOfTrace(server, traceId)).map((e) => e.name)).toEqual(['gzipped-raw']);
  });

  it('takes a hand-built HTTP/2 call whose message is gzip-compressed (compressed flag and grpc-encoding: gzip)', async () => {
    const { traceId, json } = request({ name: 'gzip-frame' });
    const trailers = await h2Call(gzipSync(encodeJsonRequestAsProtobuf(json)));
    expect(trailers['grpc-status']).toBe(String(grpc.status.OK));
    expect((await entriesOfTrace(server, traceId)).map((e) => e.name)).toEqual(['gzip-frame']);
  });

  it('answers INVALID_ARGUMENT (not INTERNAL) for a message that is not valid gzip, and keeps serving', async () => {
    const before = await ledgerCount(server);
    const trailers = await h2Call(Buffer.from('definitely not gzip'));
    expect(trailers['grpc-status']).toBe(String(grpc.status.INVALID_ARGUMENT));
    expect(decodeURIComponent(String(trailers['grpc-message']))).toMatch(/not valid gzip/);
    expect(await ledgerCount(server)).toBe(before);
    await stillServing();
  });

  it('takes the credential as authorization (Bearer or bare, any case of "bearer") or x-api-key, like OTLP/HTTP', async () => {
    const spellings: Array<Record<string, string>> = [{ authorization: `bearer ${TEST_ADMIN_KEY}` }, { authorization: TEST_ADMIN_KEY }, { 'x-api-key': TEST_ADMIN_KEY }];
    for (const headers of spellings) {
      const { traceId, json } = request({});
      const answer = await rawExport(server.otlpGrpcAddress, Buffer.from(encodeJsonRequestAsProtobuf(json)), headers);
      expect(answer.err, JSON.stringify(Object.keys(headers))).toBeNull();
      expect(await entriesOfTrace(server, traceId)).toHaveLength(1);
    }
  });

  it('refuses missing, unknown and malformed credentials with UNAUTHENTICATED and a key without `ingest` with PERMISSION_DENIED, storing nothing', async () => {
    const readOnly = runCli(server.dataDir, ['keys', 'create', '--org', 'default', '--scopes', 'read'], { AGENT_LEDGER_AUTH_KEY_PEPPER: PEPPER }).trim();
    const before = await ledgerCount(server);
    const { json } = request({});
    const body = Buffer.from(encodeJsonRequestAsProtobuf(json));
    const cases: Array<[Record<string, string>, grpc.status]> = [
      [{}, grpc.status.UNAUTHENTICATED],
      [{ authorization: 'Bearer alk_nope0000_0123456789abcdefghijklmnopqrstuvwxyzABCD' }, grpc.status.UNAUTHENTICATED],
      [{ authorization: 'Bearer ' }, grpc.status.UNAUTHENTICATED],
      [{ 'x-api-key': 'not-a-key' }, grpc.status.UNAUTHENTICATED],
      [{ authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' }, grpc.status.UNAUTHENTICATED],
      [{ authorization: `Basic ${Buffer.from(`x:${TEST_ADMIN_KEY}`).toString('base64')}` }, grpc.status.UNAUTHENTICATED],
      [{ authorization: `Bearer ${readOnly}` }, grpc.status.PERMISSION_DENIED],
      [{ 'x-api-key': readOnly }, grpc.status.PERMISSION_DENIED],
    ];
    for (const [headers, code] of cases) {
      const answer = await rawExport(server.otlpGrpcAddress, body, headers);
      expect(answer.err?.code, JSON.stringify(headers)).toBe(code);
    }
    expect(await ledgerCount(server)).toBe(before);
    const samples = await metricsOf(server);
    expect(valueOf(samples, 'agent_ledger_otlp_requests_total', { status_code: 'UNAUTHENTICATED', encoding: 'grpc' })).toBeGreaterThanOrEqual(6);
    expect(valueOf(samples, 'agent_ledger_otlp_requests_total', { status_code: 'PERMISSION_DENIED', encoding: 'grpc' })).toBeGreaterThanOrEqual(2);
    expect(valueOf(samples, 'agent_ledger_auth_failures_total', { surface: 'otlp', reason: 'missing_scope' })).toBeGreaterThanOrEqual(2);
  });

  it.each([
    ['a truncated varint', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])],
    ['a length past the end', Buffer.from([0x0a, 0x7f, 0x01, 0x02])],
    ['JSON bytes', Buffer.from('{"resourceSpans":[]}')],
    ['a wrong wire type', Buffer.from([0x0b, 0x01])],
  ])('answers INVALID_ARGUMENT for %s, stores nothing and keeps serving', async (_what, body) => {
    const before = await ledgerCount(server);
    const answer = await rawExport(server.otlpGrpcAddress, body);
    expect(answer.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(answer.err?.details).toMatch(/ExportTraceServiceRequest/);
    expect(await ledgerCount(server)).toBe(before);
    expect(server.child.exitCode).toBeNull();
    await stillServing();
  });

  it('answers RESOURCE_EXHAUSTED past the body limit, raw or as gzip that inflates past it, stores nothing and keeps serving', async () => {
    const before = await ledgerCount(server);
    const { json } = request({ attributes: [{ key: 'big', value: { stringValue: 'x'.repeat(MAX_BODY) } }] });
    const oversized = Buffer.from(encodeJsonRequestAsProtobuf(json));
    const plain = await rawExport(server.otlpGrpcAddress, oversized);
    expect(plain.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // compresses to a few hundred bytes: the limit holds after gunzip too
    const bomb = await rawExport(server.otlpGrpcAddress, oversized, undefined, { 'grpc.default_compression_algorithm': 2 });
    expect(bomb.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // as over HTTP, the credential is checked before the message is read: a stranger's large message is never buffered
    const stranger = await rawExport(server.otlpGrpcAddress, oversized, { 'x-api-key': 'alk_nope0000_0123456789abcdefghijklmnopqrstuvwxyzABCD' });
    expect(stranger.err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(await ledgerCount(server)).toBe(before);
    await stillServing();
    const samples = await metricsOf(server);
    expect(valueOf(samples, 'agent_ledger_otlp_requests_total', { status_code: 'RESOURCE_EXHAUSTED', encoding: 'grpc' })).toBeGreaterThanOrEqual(2);
  });

  it('answers partial_success exactly as OTLP/HTTP does for the same batch, and keeps the good spans', async () => {
    const { traceId, json } = request({ name: 'good' }, { spanId: 'abc' }, { startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551615' });
    const body = Buffer.from(encodeJsonRequestAsProtobuf(json));
    const answer = await rawExport(server.otlpGrpcAddress, body);
    expect(answer.err).toBeNull();
    const viaGrpc = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(answer.response!), { longs: Number });
    const http = await fetch(server.otlpUrl, { method: 'POST', body, headers: { 'Content-Type': 'application/x-protobuf', ...server.auth } });
    expect(http.status).toBe(200);
    const viaHttp = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(Buffer.from(await http.arrayBuffer())), { longs: Number });
    expect(viaGrpc.partialSuccess.rejectedSpans).toBe(2);
    expect(viaGrpc.partialSuccess.errorMessage).toMatch(/2 span\(s\) rejected/);
    expect(viaGrpc).toEqual(viaHttp);
    expect((await entriesOfTrace(server, traceId)).map((e) => e.name)).toEqual(['good']);
  });

  it('counts gRPC requests and spans under encoding="grpc", logs each call with its grpc_status, and is part of /readyz', async () => {
    const samples = await metricsOf(server);
    expect(valueOf(samples, 'agent_ledger_otlp_requests_total', { status_code: 'OK', encoding: 'grpc' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'agent_ledger_otlp_requests_total', { status_code: 'INVALID_ARGUMENT', encoding: 'grpc' })).toBeGreaterThanOrEqual(4);
    expect(valueOf(samples, 'agent_ledger_otlp_spans_accepted_total', { encoding: 'grpc' })).toBeGreaterThan(0);
    expect(valueOf(samples, 'agent_ledger_otlp_spans_rejected_total', { encoding: 'grpc', reason: 'out_of_window' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'agent_ledger_otlp_request_size_bytes_count', { encoding: 'grpc' })).toBeGreaterThan(0);
    const lines = server.logs.filter((l) => l.includes('"grpc_status"')).map((l) => JSON.parse(l));
    expect(lines.some((l) => l.grpc_status === 'OK' && l.route === GRPC_TRACE_EXPORT && l.spans_accepted > 0 && l.credential === TEST_ADMIN_KEY.slice(0, 12))).toBe(true);
    expect(lines.some((l) => l.grpc_status === 'RESOURCE_EXHAUSTED' && l.route === GRPC_TRACE_EXPORT)).toBe(true);
    expect(lines.every((l) => !JSON.stringify(l).includes(TEST_ADMIN_KEY))).toBe(true);
    const ready = await (await fetch(`${server.metricsUrl}/readyz`)).json();
    expect(ready.checks).toContainEqual({ name: 'otlp_grpc', ok: true });
  });
});

describe('OTLP/gRPC under load', () => {
  it('answers UNAVAILABLE with RetryInfo while the queue is full, and RESOURCE_EXHAUSTED with RetryInfo past the ingest rate limit', async () => {
    const s = await startServerProcess({ env: { AGENT_LEDGER_QUEUE_MAX_BYTES: '1000', AGENT_LEDGER_RATE_LIMITS_INGEST_PER_HOUR: '3' } });
    servers.push(s);
    const blocker = openDatabase(join(s.dataDir, 'ledger.db'));
    blocker.exec('BEGIN IMMEDIATE'); // the store cannot write until this lets go
    try {
      const many = Array.from({ length: 20 }, (_, i) => ({ spanId: (i + 1).toString(16).padStart(16, 'e'), name: `held-${i}` }));
      const first = request(...many);
      const held = rawExport(s.otlpGrpcAddress, Buffer.from(encodeJsonRequestAsProtobuf(first.json)));
      await new Promise((r) => setTimeout(r, 300));
      const refused = await rawExport(s.otlpGrpcAddress, Buffer.from(encodeJsonRequestAsProtobuf(request({}).json)));
      expect(refused.err?.code).toBe(grpc.status.UNAVAILABLE);
      const details = refused.err!.metadata.get('grpc-status-details-bin')[0] as Buffer;
      const status = decodeRetryStatus(details);
      expect(status.code).toBe(grpc.status.UNAVAILABLE);
      expect(status.retryDelaySeconds).toBeGreaterThan(0);
      blocker.exec('ROLLBACK');
      expect((await held).err).toBeNull();
      expect(await entriesOfTrace(s, first.traceId)).toHaveLength(20);
    } finally {
      if (blocker.inTransaction) blocker.exec('ROLLBACK');
      blocker.close();
    }
    const samples = await metricsOf(s);
    expect(valueOf(samples, 'agent_ledger_otlp_requests_total', { status_code: 'UNAVAILABLE', encoding: 'grpc' })).toBe(1);
    expect(s.logs.some((l) => l.includes('"grpc_status":"UNAVAILABLE"'))).toBe(true);

    const limited = runCli(s.dataDir, ['keys', 'create', '--org', 'default', '--scopes', 'ingest']).trim();
    const body = () => Buffer.from(encodeJsonRequestAsProtobuf(request({}).json));
    for (let i = 0; i < 3; i++) expect((await rawExport(s.otlpGrpcAddress, body(), { 'x-api-key': limited })).err).toBeNull();
    const over = await rawExport(s.otlpGrpcAddress, body(), { 'x-api-key': limited });
    expect(over.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(over.err?.details).toMatch(/rate limit/);
    const retry = decodeRetryStatus(over.err!.metadata.get('grpc-status-details-bin')[0] as Buffer);
    expect(retry.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(retry.retryDelaySeconds).toBeGreaterThan(0);

    expect(await s.stop('SIGTERM')).toBe(0);
    expect(s.logs.some((l) => l.includes('agent-ledger stopped'))).toBe(true);
  });
});

/** One Export call over plain HTTP/2, its message flagged compressed with `grpc-encoding: gzip`; resolves to the trailers. */
async function h2Call(compressed: Buffer): Promise<Record<string, unknown>> {
  const frame = Buffer.concat([Buffer.from([1]), u32(compressed.length), compressed]);
  const session = connect(`http://${server.otlpGrpcAddress}`);
  try {
    const stream = session.request({
      [h2.HTTP2_HEADER_METHOD]: 'POST',
      [h2.HTTP2_HEADER_PATH]: GRPC_TRACE_EXPORT,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-encoding': 'gzip',
      ...ADMIN,
    });
    // a trailers-only answer (an error before any message) comes as the response headers
    const answer = new Promise<Record<string, unknown>>((resolve) => {
      stream.once('response', (headers) => {
        if (headers['grpc-status'] !== undefined) resolve(headers as Record<string, unknown>);
      });
      stream.once('trailers', (t) => resolve(t as Record<string, unknown>));
    });
    stream.resume();
    stream.end(frame);
    return await answer;
  } finally {
    session.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function metadataOf(headers: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return metadata;
}
