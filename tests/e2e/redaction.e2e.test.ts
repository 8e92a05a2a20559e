import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fake, fakeCard, fakeJwt } from '../helpers/fake-secrets.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

let server: ServerProcess;
const TRACE = '5ec2e75ec2e75ec2e75ec2e75ec2e7aa';
const secrets = {
  openai: `sk-proj-${fake(48, 1, '-_')}`,
  anthropic: `sk-ant-api03-${fake(93, 2, '-_')}AA`,
  aws: `AKIA${fake(16, 3, '', 'upper')}`,
  github: `ghp_${fake(36, 4)}`,
  jwt: fakeJwt(),
  card: fakeCard('4111', 16, 5),
  email: 'jane.doe@customer-mail.example',
  bearer: `Bearer ${fake(40, 6)}`,
};

function attr(key: string, value: string) {
  return { key, value: { stringValue: value } };
}

beforeAll(async () => {
  server = await startServerProcess();
  const span = (spanId: string, parent: string, name: string, attributes: unknown[], extra: Record<string, unknown> = {}) => ({
    traceId: TRACE,
    spanId,
    parentSpanId: parent,
    name,
    startTimeUnixNano: '1795458428139000000',
    endTimeUnixNano: '1795458428239000000',
    attributes,
    ...extra,
  });
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'leaky-agent'), attr('deployment.token', secrets.github)] },
        scopeSpans: [
          {
            scope: { name: 't' },
            spans: [
              span('5ec0000000000001', '', 'invoke_agent leaky', [attr('gen_ai.operation.name', 'invoke_agent'), attr('gen_ai.agent.id', 'leaky')]),
              span('5ec0000000000002', '5ec0000000000001', 'call_api', [
                attr('gen_ai.operation.name', 'execute_tool'),
                attr('gen_ai.tool.name', 'call_api'),
                attr('gen_ai.tool.call.arguments', JSON.stringify({ api_key: secrets.openai, headers: { Authorization: secrets.bearer }, card: secrets.card })),
                attr('gen_ai.tool.call.result', JSON.stringify({ echoed: `aws ${secrets.aws}`, contact: secrets.email })),
                attr('http.request.header.x-token', secrets.jwt),
              ], { status: { code: 2, message: `auth failed for ${secrets.anthropic}` } }),
              span('5ec0000000000003', '5ec0000000000001', 'chat gpt-4o-mini', [
                attr('gen_ai.operation.name', 'chat'),
                attr('gen_ai.request.model', 'gpt-4o-mini'),
                attr('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: `my key is ${secrets.openai}, mail me at ${secrets.email}` }] }])),
                attr('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: `Noted ${secrets.card}` }] }])),
              ], { events: [{ name: 'log', timeUnixNano: '1795458428139000001', attributes: [attr('note', secrets.jwt)] }] }),
            ],
          },
        ],
      },
    ],
  };
  const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...server.auth } });
  expect(res.status).toBe(200);
  const structured = await fetch(server.otlpUrl, {
    method: 'POST',
    body: structuredRequest(),
    headers: { 'Content-Type': 'application/json', ...server.auth },
  });
  expect(structured.status).toBe(200);
});

/** Secrets that only their key names give away, nested, JSON-escaped, and behind a `__proto__` kvlist (issue 14, item 4). */
const STRUCTURED_TRACE = '5ec2e75ec2e75ec2e75ec2e75ec2e7bb';
const plain = {
  password: 'pw-plain-7731',
  dbPassword: 'pw-db-7732',
  clientSecret: 'cs-7733',
  apiKey: 'ak-7734',
  awsSecret: fake(40, 7, '/+'),
  authorization: 'Basic c3ZjOnB3LTc3MzU=',
  kvPassword: 'pw-kv-7736',
  kvToken: 'tok-kv-7737',
  escaped: `sk-proj-${fake(48, 8, '-_')}`,
  protoPassword: 'pw-proto-7738',
  protoOutputs: 'pw-proto-out-7739',
};

function structuredRequest(): string {
  const s = (key: string, value: string) => `{"key":${JSON.stringify(key)},"value":{"stringValue":${JSON.stringify(value)}}}`;
  const i = (key: string, value: number) => `{"key":${JSON.stringify(key)},"value":{"intValue":${value}}}`;
  // `\u0073k-proj-…`: the JSON text inside the attribute spells the key's first letter as an escape
  const inputs = `{"note":"use \\u0073${plain.escaped.slice(1)}","max_tokens":256}`;
  const attributes = [
    s('gen_ai.operation.name', 'chat'),
    s('gen_ai.request.model', 'gpt-4o-mini'),
    i('gen_ai.usage.input_tokens', 812),
    i('gen_ai.usage.output_tokens', 64),
    i('llm.token_count.prompt', 812),
    s('password', plain.password),
    s('db.password', plain.dbPassword),
    s('client_secret', plain.clientSecret),
    s('api_key', plain.apiKey),
    s('aws_secret_access_key', plain.awsSecret),
    `{"key":"http.request.header.authorization","value":{"arrayValue":{"values":[{"stringValue":${JSON.stringify(plain.authorization)}}]}}}`,
    `{"key":"login","value":{"kvlistValue":{"values":[${s('password', plain.kvPassword)},${s('token', plain.kvToken)},${s('user', 'svc')}]}}}`,
    s('ledger.inputs', inputs),
    // a key the decoder once took for the prototype: its contents escaped redaction and read as the span's own
    `{"key":"__proto__","value":{"kvlistValue":{"values":[${s('password', plain.protoPassword)},${s('ledger.outputs', `password=${plain.protoOutputs}`)}]}}}`,
  ];
  const span = `{"traceId":"${STRUCTURED_TRACE}","spanId":"5ec0000000000011","name":"chat structured","startTimeUnixNano":"1795458428139000000","endTimeUnixNano":"1795458428239000000","attributes":[${attributes.join(',')}]}`;
  return `{"resourceSpans":[{"resource":{"attributes":[${s('service.name', 'structured-agent')}]},"scopeSpans":[{"scope":{"name":"t"},"spans":[${span}]}]}]}`;
}

afterAll(async () => {
  await server?.stop();
});

describe('redaction at ingest', () => {
  it('stores no secret, in any endpoint or export, and counts what it replaced', async () => {
    const runId = TRACE.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    const bodies = await Promise.all(
      [
        '/api/v1/ledger?page_size=1000',
        '/api/v1/ledger/export?format=jsonl',
        '/api/v1/ledger/export?format=csv',
        '/api/v1/ledger/export?format=json',
        `/api/v1/runs/${runId}`,
        `/tenants/default/traces/${TRACE}`,
        '/tenants/default/traces',
      ].map(async (path) => {
        const res = await fetch(server.apiUrl + path, { headers: server.auth });
        expect(res.status, path).toBe(200);
        return [path, await res.text()] as const;
      }),
    );
    for (const [path, text] of bodies) {
      for (const [kind, secret] of Object.entries(secrets)) {
        const core = kind === 'bearer' ? secret.slice('Bearer '.length) : secret;
        expect(text.includes(core), `${kind} leaked in ${path}`).toBe(false);
      }
    }
    const { body } = await server.get('/api/v1/ledger?page_size=1000');
    const byName = new Map(body.data.map((e: any) => [e.name, e]));
    const tool: any = byName.get('call_api');
    expect(tool.inputs.api_key).toBe('[REDACTED:openai_api_key]');
    // personal data is pseudonymised, not removed (its clear value was checked absent above)
    expect(JSON.stringify(tool.outputs)).toMatch(/\[EMAIL:[0-9a-f]{16}\]/);
    expect(tool.status_message).toContain('[REDACTED:anthropic_api_key]');
    expect(tool.redactions).toBeGreaterThanOrEqual(6);
    const chat: any = byName.get('chat gpt-4o-mini');
    expect(JSON.stringify(chat.inputs)).toContain('[REDACTED:openai_api_key]');
    expect(chat.redactions).toBeGreaterThanOrEqual(3);
  });

  it('removes secrets by key name at any depth, JSON-escaped ones, and those behind __proto__, keeping token counts', async () => {
    const runId = STRUCTURED_TRACE.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    for (const path of [
      '/api/v1/ledger?page_size=1000',
      '/api/v1/ledger/export?format=jsonl',
      '/api/v1/ledger/export?format=csv',
      `/api/v1/runs/${runId}`,
      `/tenants/default/traces/${STRUCTURED_TRACE}`,
    ]) {
      const res = await fetch(server.apiUrl + path, { headers: server.auth });
      expect(res.status, path).toBe(200);
      const text = await res.text();
      for (const [name, secret] of Object.entries(plain)) expect(text.includes(secret), `${name} leaked in ${path}`).toBe(false);
      expect(text.includes(plain.escaped.slice(1)), `escaped key leaked in ${path}`).toBe(false);
    }
    const { body } = await server.get('/api/v1/ledger?page_size=1000');
    const entry = body.data.find((e: any) => e.trace_id === STRUCTURED_TRACE);
    expect(entry.attributes.password).toBe('[REDACTED:secret_field]');
    expect(entry.attributes.login).toEqual({ password: '[REDACTED:secret_field]', token: '[REDACTED:secret_field]', user: 'svc' });
    expect(entry.attributes.__proto__).toEqual({ password: '[REDACTED:secret_field]', 'ledger.outputs': 'password=[REDACTED:password_assignment]' });
    expect(entry.inputs).toEqual({ note: 'use [REDACTED:openai_api_key]', max_tokens: 256 });
    expect(entry.outputs).toBe(null);
    expect([entry.input_tokens, entry.output_tokens, entry.attributes['llm.token_count.prompt']]).toEqual([812, 64, 812]);
    expect(entry.redactions).toBe(11);
  });

  it('never lets a stored `__proto__` key segment reach Object.prototype when a trace is read', async () => {
    const trace = '5ec2e75ec2e75ec2e75ec2e75ec2e7cc';
    const attr = (key: string, v = 'yes') => ({ key, value: { stringValue: v } });
    const body = {
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [{
        traceId: trace, spanId: '5ec0000000000021', name: 'chat polluter', startTimeUnixNano: '1795458428139000000', endTimeUnixNano: '1795458428239000000',
        attributes: [attr('openinference.span.kind', 'LLM'), attr('llm.input_messages.0.__proto__.polluted'), attr('llm.input_messages.0.message.role', 'user')],
      }] }] }],
    };
    const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...server.auth } });
    expect(res.status).toBe(200);
    let detail;
    for (let i = 0; i < 50 && detail?.status !== 200; i++) {
      detail = await server.get(`/tenants/default/traces/${trace}`);
      if (detail.status !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(detail!.status).toBe(200);
    // Polluted, every object would "have" `polluted`: an unknown query parameter would pass as a known one.
    const probe = await server.get('/api/v1/ledger?polluted=1');
    expect(probe.status).toBe(400);
  });

  it('keeps model names, ids and ordinary values', async () => {
    const { body } = await server.get('/api/v1/ledger?page_size=1000');
    const chat = body.data.find((e: any) => e.name === 'chat gpt-4o-mini');
    expect(chat.model).toBe('gpt-4o-mini');
    expect(chat.trace_id).toBe(TRACE);
  });
});
