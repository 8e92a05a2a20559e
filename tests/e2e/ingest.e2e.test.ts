import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJsonRequestAsProtobuf } from '../../collector/otlp/otlp-codec.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({
    env: {
      AGENT_LEDGER_OTLP_MAX_BODY_BYTES: String(256 * 1024),
      AGENT_LEDGER_OTLP_MAX_DECOMPRESSED_BYTES: String(1024 * 1024),
      AGENT_LEDGER_OTLP_MAX_ATTRIBUTE_VALUE_BYTES: '1024',
    },
  });
});

afterAll(async () => {
  await server?.stop();
});

function post(body: Uint8Array | string, contentType: string, headers: Record<string, string> = {}) {
  return fetch(server.otlpUrl, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body), headers: { 'Content-Type': contentType, ...server.auth, ...headers } });
}

let traceCounter = 0;
/** A minimal OTLP/JSON request with fresh ids; `spans` override fields of each span. */
function request(...spans: Array<Record<string, unknown>>) {
  const traceId = (++traceCounter).toString(16).padStart(32, 'c');
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ingest-test' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: spans.map((o, i) => ({
              traceId,
              spanId: (i + 1).toString(16).padStart(16, 'd'),
              name: `op-${traceCounter}-${i}`,
              startTimeUnixNano: '1795458428139000000',
              endTimeUnixNano: '1795458428239000000',
              ...o,
            })),
          },
        ],
      },
    ],
  };
}

async function entriesOfTrace(traceId: string): Promise<any[]> {
  const runId = traceId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const res = await server.get(`/api/v1/ledger?run_id=${runId}&page_size=1000`);
  expect(res.status).toBe(200);
  return res.body.data;
}

async function stillServing(): Promise<void> {
  expect((await server.get('/healthz')).status).toBe(200);
  const res = await post(JSON.stringify(request({})), 'application/json');
  expect(res.status).toBe(200);
}

describe('OTLP/HTTP receiver', () => {
  it('keeps one entry per span when the same request arrives twice, in either encoding', async () => {
    const file = readFileSync(join(FIXTURES_DIR, 'otel-genai/01.json'), 'utf8');
    const json = JSON.parse(file);
    const traceId = json.resourceSpans[0].scopeSpans[0].spans[0].traceId;
    for (let i = 0; i < 2; i++) {
      expect((await post(file, 'application/json')).status).toBe(200);
      expect((await post(encodeJsonRequestAsProtobuf(json), 'application/x-protobuf')).status).toBe(200);
    }
    const spanIds = json.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => s.spanId)));
    const entries = await entriesOfTrace(traceId);
    expect(entries.map((e) => e.span_id).sort()).toEqual([...spanIds].sort());
  });

  it('answers an empty ExportTraceServiceResponse in the request encoding', async () => {
    const json = await post(JSON.stringify(request({})), 'application/json');
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.json()).toEqual({});
    const proto = await post(encodeJsonRequestAsProtobuf(request({})), 'application/x-protobuf');
    expect(proto.status).toBe(200);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await proto.arrayBuffer()).byteLength).toBe(0);
  });

  it('accepts gzip bodies', async () => {
    const body = request({ name: 'gzipped-span' });
    const res = await post(gzipSync(JSON.stringify(body)), 'application/json', { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    const entries = await entriesOfTrace(body.resourceSpans[0].scopeSpans[0].spans[0].traceId);
    expect(entries.map((e) => e.name)).toEqual(['gzipped-span']);
  });

  it('takes the good spans of a request and reports the bad ones as partial success', async () => {
    const body = request({ name: 'good' }, { spanId: 'xyz' }, { attributes: [{ key: 'n', value: { intValue: 'many' } }] });
    const res = await post(JSON.stringify(body), 'application/json');
    expect(res.status).toBe(200);
    const answer = await res.json();
    expect(answer.partialSuccess.rejectedSpans).toBe(2);
    expect(answer.partialSuccess.errorMessage).toContain('spanId');
    const entries = await entriesOfTrace(body.resourceSpans[0].scopeSpans[0].spans[0].traceId);
    expect(entries.map((e) => e.name)).toEqual(['good']);
  });

  it.each([
    ['malformed JSON', '{"resourceSpans": [', 'application/json'],
    ['JSON of the wrong shape', '{"resourceSpans": {"a": 1}}', 'application/json'],
    ['a JSON array', '[]', 'application/json'],
    ['malformed protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), 'application/x-protobuf'],
  ])('answers 400 with a google.rpc.Status for %s, and keeps serving', async (_what, body, type) => {
    const res = await post(body as string, type);
    expect(res.status).toBe(400);
    if (type === 'application/json') expect(await res.json()).toMatchObject({ code: 3, message: expect.stringContaining('') });
    await stillServing();
  });

  it('answers 400 for a body nested far too deep, and keeps serving', async () => {
    const body = '{"resourceSpans":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
    const res = await post(gzipSync(body), 'application/json', { 'Content-Encoding': 'gzip' });
    expect([400, 200]).toContain(res.status);
    await stillServing();
  });

  it('truncates oversized attribute values, marks them, and keeps the span', async () => {
    const body = request({
      attributes: [
        { key: 'ledger.outputs', value: { stringValue: JSON.stringify({ text: 'x'.repeat(5000) }) } },
        { key: 'note', value: { stringValue: 'y'.repeat(5000) } },
      ],
    });
    expect((await post(JSON.stringify(body), 'application/json')).status).toBe(200);
    const [entry] = await entriesOfTrace(body.resourceSpans[0].scopeSpans[0].spans[0].traceId);
    expect(entry.truncated_fields).toEqual(expect.arrayContaining(['note', 'ledger.outputs']));
    expect(entry.attributes.note).toHaveLength(1024);
  });

  it('survives deeply nested attribute values and JSON payloads', async () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 500; i++) value = { kvlistValue: { values: [{ key: 'k', value }] } };
    const deepJson = '{"a":'.repeat(900) + '1' + '}'.repeat(900);
    const body = request({ attributes: [{ key: 'deep', value }, { key: 'ledger.inputs', value: { stringValue: deepJson.slice(0, 1000) } }] });
    const res = await post(JSON.stringify(body), 'application/json');
    expect([200, 400]).toContain(res.status);
    await stillServing();
  });

  it('answers 415 for another content type', async () => {
    const res = await post('hello', 'text/plain');
    expect(res.status).toBe(415);
    const gz = await post('{}', 'application/json', { 'Content-Encoding': 'br' });
    expect(gz.status).toBe(415);
  });

  it('answers 413 past the body limit and past the decompressed limit', async () => {
    const big = JSON.stringify(request({ attributes: [{ key: 'a', value: { stringValue: 'z'.repeat(300 * 1024) } }] }));
    expect((await post(big, 'application/json')).status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(256 * 1024);
    expect((await post(bomb, 'application/json', { 'Content-Encoding': 'gzip' })).status).toBe(413);
    await stillServing();
  });

  it('answers 404 off /v1/traces and 405 for other methods', async () => {
    expect((await fetch(server.otlpUrl.replace('/v1/traces', '/v1/metrics'), { method: 'POST' })).status).toBe(404);
    expect((await fetch(server.otlpUrl)).status).toBe(405);
  });
});
