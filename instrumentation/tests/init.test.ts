import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRACES_URL } from '../src/index.js';
import { attribute, exportedSpans, type ExportedSpan } from './helpers/otlp-request.js';
import { hasCredential, resolveHeaders, resolveProtocol, resolveTracesUrl } from '../src/exporter-config.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/short-lived-agent.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('where spans go', () => {
  it('takes the endpoint option as a base URL, else the OTLP variables, else the local receiver', () => {
    const url = (endpoint: string | undefined, env: Record<string, string>) => resolveTracesUrl(endpoint, 'http/protobuf', env);
    expect(url('http://ledger:4318', {})).toBe('http://ledger:4318/v1/traces');
    expect(url('http://ledger:4318/v1/traces/', {})).toBe('http://ledger:4318/v1/traces');
    expect(url(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(url(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/custom' })).toBe('http://t/custom');
    expect(url('http://opt:1', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/custom' })).toBe('http://opt:1/v1/traces');
    expect(url(undefined, {})).toBe(DEFAULT_TRACES_URL);
  });

  it('over gRPC takes every endpoint as it is (no path), else the local port 4317', () => {
    expect(resolveTracesUrl('http://ledger:4317/', 'grpc', {})).toBe('http://ledger:4317');
    expect(resolveTracesUrl(undefined, 'grpc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' })).toBe('http://c:4317');
    expect(resolveTracesUrl(undefined, 'grpc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t:9' })).toBe('http://t:9');
    expect(resolveTracesUrl(undefined, 'grpc', {})).toBe('http://127.0.0.1:4317');
  });

  it('picks the protocol as the OTLP exporter specification says: http/protobuf unless the option or a variable names another', () => {
    expect(resolveProtocol(undefined, {})).toBe('http/protobuf');
    expect(resolveProtocol(undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toBe('grpc');
    expect(resolveProtocol(undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: ' http/json ' })).toBe('http/json');
    expect(resolveProtocol('grpc', { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toBe('grpc');
    expect(resolveProtocol(undefined, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: '' })).toBe('http/protobuf');
  });

  it('refuses a protocol it does not know, naming where it came from', () => {
    expect(() => resolveProtocol(undefined, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http' })).toThrow(/OTEL_EXPORTER_OTLP_TRACES_PROTOCOL is "http"; expected one of http\/protobuf, http\/json, grpc/);
    expect(() => resolveProtocol(undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: 'HTTP/PROTOBUF' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => resolveProtocol('grpc/json' as never, {})).toThrow(/the protocol option/);
  });

  it('sends the API key as a bearer token, from the option or AGENT_LEDGER_API_KEY', () => {
    expect(resolveHeaders('alk_1', { 'x-team': 'a' }, {})).toEqual({ 'x-team': 'a', Authorization: 'Bearer alk_1' });
    expect(resolveHeaders(undefined, {}, { AGENT_LEDGER_API_KEY: 'alk_env' })).toEqual({ Authorization: 'Bearer alk_env' });
    expect(hasCredential({}, { OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20k' })).toBe(true);
    expect(hasCredential({}, {})).toBe(false);
  });
});

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  spans: ExportedSpan[];
}

describe('a short-lived process (the built package, a real OTLP export)', () => {
  const received: Received[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers.authorization === 'Bearer alk_wrong') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":16,"message":"invalid API key"}');
        return;
      }
      const spans = exportedSpans(Buffer.concat(chunks), req.headers['content-type']);
      received.push({ url: req.url ?? '', headers: req.headers, spans });
      // An empty ExportTraceServiceResponse in either encoding.
      if (req.headers['content-type']?.includes('json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  // A gRPC TraceService that keeps the raw request bytes.
  const grpcServer = new grpc.Server();
  let grpcBase = '';
  const identity = (b: Buffer) => b;
  grpcServer.addService(
    { Export: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
    {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        received.push({ url: 'grpc', headers: { authorization: String(call.metadata.get('authorization')[0] ?? '') }, spans: exportedSpans(call.request, undefined) });
        done(null, Buffer.alloc(0));
      },
    },
  );

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error('build the package first (npm run build --workspace instrumentation)');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const grpcPort = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    grpcBase = `http://127.0.0.1:${grpcPort}`;
  });
  afterAll(async () => {
    grpcServer.forceShutdown();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function run(mode: 'exit' | 'signal', env: Record<string, string>) {
    received.length = 0;
    const child = spawn(process.execPath, [FIXTURE, mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.includes('ready') && resolve());
      void exited.then(() => (out.includes('ready') ? resolve() : reject(new Error(out))));
    });
    ready.catch(() => {}); // awaited only by the tests that wait for it
    return { child, exited, ready, output: () => out };
  }

  it('flushes when the event loop runs dry, to the endpoint option with the bearer key', async () => {
    const p = run('exit', { TEST_ENDPOINT: base, TEST_API_KEY: 'alk_option_key' });
    expect(await p.exited, p.output()).toEqual({ code: 0, signal: null });
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/v1/traces');
    // The specification's default transport.
    expect(received[0].headers['content-type']).toBe('application/x-protobuf');
    expect(received[0].headers.authorization).toBe('Bearer alk_option_key');
    const names = received[0].spans.map((s) => s.name).sort();
    expect(names).toEqual(['execute_tool ping', 'invoke_agent short-lived']);
    for (const span of received[0].spans) {
      expect(span.attributes.find((a) => a.key === 'gen_ai.agent.id')?.value).toEqual({ stringValue: 'short-lived-agent' });
    }
  });

  it('flushes on SIGTERM, then exits as the signal would, reading the standard OTLP variables', async () => {
    const p = run('signal', {
      TEST_ENDPOINT: '',
      TEST_API_KEY: '',
      AGENT_LEDGER_API_KEY: '',
      OTEL_EXPORTER_OTLP_ENDPOINT: base,
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20alk_env_key',
    });
    await p.ready;
    expect(received).toHaveLength(0);
    p.child.kill('SIGTERM');
    expect(await p.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(received).toHaveLength(1);
    expect(received[0].headers.authorization).toBe('Bearer alk_env_key');
    expect(received[0].spans).toHaveLength(2);
  });

  it('says so on stderr when the collector refuses the spans (a wrong key), instead of dropping them silently', async () => {
    const p = run('exit', { TEST_ENDPOINT: base, TEST_API_KEY: 'alk_wrong' });
    expect((await p.exited).code).toBe(0);
    expect(received).toHaveLength(0);
    expect(p.output()).toMatch(/agent-ledger: could not send 2 span\(s\) to http:\/\/127\.0\.0\.1:\d+\/v1\/traces: .*Unauthorized|401/);
  });

  it('sends OTLP/JSON when OTEL_EXPORTER_OTLP_TRACES_PROTOCOL says http/json (over OTEL_EXPORTER_OTLP_PROTOCOL)', async () => {
    const p = run('exit', { TEST_ENDPOINT: base, TEST_API_KEY: 'alk_json', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' });
    expect(await p.exited, p.output()).toEqual({ code: 0, signal: null });
    expect(received).toHaveLength(1);
    expect(received[0].headers['content-type']).toBe('application/json');
    expect(received[0].spans.map((s) => s.name).sort()).toEqual(['execute_tool ping', 'invoke_agent short-lived']);
  });

  it('sends OTLP/gRPC, the key as authorization metadata, when OTEL_EXPORTER_OTLP_PROTOCOL is grpc', async () => {
    const p = run('exit', { TEST_ENDPOINT: '', TEST_API_KEY: 'alk_grpc', OTEL_EXPORTER_OTLP_ENDPOINT: grpcBase, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect(await p.exited, p.output()).toEqual({ code: 0, signal: null });
    expect(p.output()).toContain(`ready ${grpcBase}`);
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('grpc');
    expect(received[0].headers.authorization).toBe('Bearer alk_grpc');
    const names = received[0].spans.map((s) => s.name).sort();
    expect(names).toEqual(['execute_tool ping', 'invoke_agent short-lived']);
    expect(attribute(received[0].spans[0], 'gen_ai.agent.id')).toEqual({ stringValue: 'short-lived-agent' });
  });

  it('refuses to start on a protocol it does not know, naming the variable', async () => {
    const p = run('exit', { TEST_ENDPOINT: base, TEST_API_KEY: 'alk_x', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuff' });
    expect((await p.exited).code).not.toBe(0);
    expect(p.output()).toContain('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL is "http/protobuff"; expected one of http/protobuf, http/json, grpc');
    expect(received).toHaveLength(0);
  });
});
