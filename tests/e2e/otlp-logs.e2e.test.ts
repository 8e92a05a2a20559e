import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { fake } from '../helpers/fake-secrets.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { CAPTURE_WORD, expectJoinedEntry } from '../conformance/log-join-cases.js';

/**
 * GenAI events from the official @opentelemetry/instrumentation-openai (sent
 * as OTLP log records) land on their span's entry, whichever the exporter
 * sends first: the `openai` SDK talks to a scripted chat server here, and the
 * official OTLP exporters send to the compiled server.
 */
const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../helpers/genai-capture/openai-agent.cjs');
const CAPTURE_DIR = join(FIXTURES_DIR, 'otel-genai/logs');
let server: ServerProcess;
let llm: Server;
let llmUrl: string;
let otlpBase: string;

beforeAll(async () => {
  server = await startServerProcess();
  otlpBase = server.otlpUrl.replace(/\/v1\/traces$/, '');
  llm = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const prompt = JSON.parse(body).messages.at(-1).content as string;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({
        id: 'chatcmpl-capture', object: 'chat.completion', created: 1_790_000_000, model: 'gpt-4o-mini-2024-07-18',
        choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: `Answer about ${prompt.split(' ')[0]}: shipped yesterday.` } }],
        usage: { prompt_tokens: 42, completion_tokens: 9, total_tokens: 51 },
      }));
    });
  });
  await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve));
  llmUrl = `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`;
}, 60_000);

afterAll(async () => {
  llm?.close();
  await server?.stop();
});

async function agent(prompt: string, order: 'logs-first' | 'spans-first', otlpUrl = otlpBase, protocol = 'proto'): Promise<void> {
  await run(process.execPath, [SCRIPT], {
    env: { ...process.env, OTLP_URL: otlpUrl, OTLP_KEY: server.auth.Authorization.slice('Bearer '.length), LLM_URL: llmUrl, PROMPT: prompt, ORDER: order, PROTOCOL: protocol },
    timeout: 30_000,
  });
}

async function entryFound(q: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const res = await server.get(`/api/v1/ledger?${new URLSearchParams({ q })}`);
    expect(res.status).toBe(200);
    if (res.body.data.length > 0) return res.body.data[0];
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no entry matches q=${q}`);
}

async function expectJoined(word: string): Promise<void> {
  const entry = await entryFound(word);
  // the same expectation the log join conformance case holds every store to
  expectJoinedEntry(entry, word);
  const trace = await server.get(`/tenants/default/traces/${entry.trace_id}`);
  expect(trace.status).toBe(200);
  expect(trace.body.messages).toEqual([
    { role: 'system', content: 'You are a support agent.' },
    { role: 'user', content: `${word} where is my parcel?` },
    { role: 'assistant', content: `Answer about ${word}: shipped yesterday.` },
  ]);
  expect(trace.body.inputTokens).toBe(42);
}

describe('OTLP logs: GenAI events from @opentelemetry/instrumentation-openai', () => {
  it('logs sent before their span: held, then merged into the entry when the span is written', async () => {
    await agent('quokkafirst where is my parcel?', 'logs-first');
    await expectJoined('quokkafirst');
  });

  it('span sent before its logs: the stored entry takes the messages', async () => {
    await agent('wombatlater where is my parcel?', 'spans-first');
    await expectJoined('wombatlater');
  });

  it('a secret in a message is redacted before it is stored', async () => {
    const secret = `sk-proj-${fake(48, 7)}`;
    await agent(`pangolinkey where is my parcel? my key is ${secret}`, 'logs-first');
    const entry = await entryFound('pangolinkey');
    const text = JSON.stringify(entry.inputs);
    expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED');
  });

  it('the capture (OTLP JSON, saved as a fixture) replays to the same messages', async () => {
    const bodies: Array<{ path: string; body: string }> = [];
    const recorder = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push({ path: req.url!, body });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    try {
      await agent(`${CAPTURE_WORD} where is my parcel?`, 'spans-first', `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`, 'json');
    } finally {
      recorder.close();
    }
    expect(bodies.map((b) => b.path).sort()).toEqual(['/v1/logs', '/v1/traces']);
    if (process.env.UPDATE_FIXTURES === '1') {
      mkdirSync(CAPTURE_DIR, { recursive: true });
      for (const b of bodies) writeFileSync(join(CAPTURE_DIR, `${b.path.slice(4)}.json`), `${JSON.stringify(JSON.parse(b.body), null, 2)}\n`);
    }
    // the saved capture, logs first: what a clone tests with
    for (const signal of ['logs', 'traces']) {
      const res = await fetch(`${otlpBase}/v1/${signal}`, {
        method: 'POST',
        headers: { ...server.auth, 'Content-Type': 'application/json' },
        body: readFileSync(join(CAPTURE_DIR, `${signal}.json`)),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    expectJoinedEntry(await entryFound(CAPTURE_WORD), CAPTURE_WORD);
  });

  it('over OTLP/gRPC (the official grpc exporters): LogsService/Export joins the events to the span TraceService/Export brought', async () => {
    await agent('axolotlgrpc where is my parcel?', 'logs-first', server.otlpGrpcAddress, 'grpc');
    const entry = await entryFound('axolotlgrpc');
    expect(entry.inputs.messages[1]).toEqual({ role: 'user', content: 'axolotlgrpc where is my parcel?' });
    expect(JSON.stringify(entry.outputs)).toContain('shipped yesterday');
  });

  it('a malformed /v1/logs is a 400 naming the field, and nothing is stored', async () => {
    const before = (await server.get('/api/v1/ledger')).body.count;
    const post = (body: string | Buffer, type: string) =>
      fetch(`${otlpBase}/v1/logs`, { method: 'POST', headers: { ...server.auth, 'Content-Type': type }, body: body as BodyInit });
    const json = await post(JSON.stringify({ resourceLogs: { scopeLogs: [] } }), 'application/json');
    expect(json.status).toBe(400);
    expect((await json.json()).message).toContain('`resourceLogs` must be a list');
    const proto = await post(Buffer.from([0x0a, 0xff, 0xff, 0x01]), 'application/x-protobuf');
    expect(proto.status).toBe(400);
    const record = {
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), traceId: 'zz', spanId: '00f067aa0ba902b7', eventName: 'gen_ai.user.message' }] }] }],
    };
    const bad = await post(JSON.stringify(record), 'application/json');
    expect(bad.status).toBe(200);
    const answer = await bad.json();
    expect(answer.partialSuccess.rejectedLogRecords).toBe(1);
    expect(answer.partialSuccess.errorMessage).toContain('logRecords[0].traceId');
    const noAuth = await fetch(`${otlpBase}/v1/logs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(noAuth.status).toBe(401);
    expect((await server.get('/api/v1/ledger')).body.count).toBe(before);
  });
});
