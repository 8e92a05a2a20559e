import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TRACES_URL } from '../src/index.js';
import { hasCredential, resolveHeaders, resolveTracesUrl } from '../src/exporter-config.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/short-lived-agent.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('where spans go', () => {
  it('takes the endpoint option as a base URL, else the OTLP variables, else the local receiver', () => {
    expect(resolveTracesUrl('http://ledger:4318', {})).toBe('http://ledger:4318/v1/traces');
    expect(resolveTracesUrl('http://ledger:4318/v1/traces/', {})).toBe('http://ledger:4318/v1/traces');
    expect(resolveTracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(resolveTracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/custom' })).toBe('http://t/custom');
    expect(resolveTracesUrl('http://opt:1', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/custom' })).toBe('http://opt:1/v1/traces');
    expect(resolveTracesUrl(undefined, {})).toBe(DEFAULT_TRACES_URL);
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
  spans: Array<{ name: string; attributes: Array<{ key: string; value: Record<string, unknown> }> }>;
}

describe('a short-lived process (the built package, a real OTLP/HTTP export)', () => {
  const received: Received[] = [];
  let base = '';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.headers.authorization === 'Bearer alk_wrong') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":16,"message":"invalid API key"}');
        return;
      }
      const parsed = JSON.parse(body);
      const spans = parsed.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
      received.push({ url: req.url ?? '', headers: req.headers, spans });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  beforeAll(async () => {
    if (!existsSync(BUILT)) throw new Error('build the package first (npm run build --workspace instrumentation)');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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
    return { child, exited, ready, output: () => out };
  }

  it('flushes when the event loop runs dry, to the endpoint option with the bearer key', async () => {
    const p = run('exit', { TEST_ENDPOINT: base, TEST_API_KEY: 'alk_option_key' });
    expect(await p.exited, p.output()).toEqual({ code: 0, signal: null });
    expect(received).toHaveLength(1);
    expect(received[0].url).toBe('/v1/traces');
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
});
