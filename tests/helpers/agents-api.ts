import { runCli } from './cli.js';
import type { ServerProcess } from './server-process.js';

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** One query-API call: JSON in (when a body is given), JSON out; `key: null` sends no credential. */
export async function callApi(server: ServerProcess, method: string, path: string, options: { key?: string | null; body?: unknown } = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? server.auth.Authorization.slice('Bearer '.length) : options.key;
  if (key !== null) headers.Authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(server.apiUrl + path, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body, headers: res.headers };
}

/** An organization (created if needed) and a key of it, through the CLI as an operator would. */
export function createKey(server: ServerProcess, org: string, scopes: string, role = 'admin', user?: string): string {
  try {
    runCli(server.dataDir, ['orgs', 'create', org]);
  } catch {
    /* exists */
  }
  return runCli(server.dataDir, ['keys', 'create', '--org', org, '--role', role, '--scopes', scopes, ...(user ? ['--user', user] : [])]).trim();
}

const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

export interface TestSpan {
  agent: string;
  name: string;
  atMs: number;
  durationMs?: number;
  error?: string;
  outcome?: 'blocked';
  traceId: string;
  spanId: string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

/** Spans as one OTLP/JSON request, each naming its agent with gen_ai.agent.id. */
export function otlpRequest(spans: TestSpan[], resource: Record<string, string> = { 'service.name': 'agents-e2e' }) {
  return {
    resourceSpans: [
      {
        resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: { stringValue: v } })) },
        scopeSpans: [
          {
            scope: { name: 'agents-e2e' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: '',
              name: s.name,
              kind: 1,
              startTimeUnixNano: ns(s.atMs),
              endTimeUnixNano: ns(s.atMs + (s.durationMs ?? 10)),
              attributes: [
                { key: 'gen_ai.agent.id', value: { stringValue: s.agent } },
                ...(s.outcome === 'blocked' ? [{ key: 'ledger.outcome', value: { stringValue: 'blocked' } }] : []),
                ...(s.attributes ?? []),
              ],
              status: s.error ? { code: 2, message: s.error } : { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}

export async function sendSpans(server: ServerProcess, key: string, spans: TestSpan[], resource?: Record<string, string>): Promise<void> {
  const res = await fetch(server.otlpUrl, {
    method: 'POST',
    body: JSON.stringify(otlpRequest(spans, resource)),
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
  });
  if (res.status !== 200) throw new Error(`OTLP ${res.status}: ${await res.text()}`);
}

let idCounter = 0;
/** Fresh trace and span ids for test spans. */
export function ids(): { traceId: string; spanId: string } {
  idCounter++;
  const hex = (idCounter + 0x1000).toString(16);
  return { traceId: `${hex}`.padStart(32, 'c'), spanId: `${hex}`.padStart(16, 'd') };
}
