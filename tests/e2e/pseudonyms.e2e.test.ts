import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, createKey } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Email addresses pseudonymised per organization and still found by their
 * clear value (issue 14, item 8), on the compiled server: `npm run build` first.
 */

let server: ServerProcess;
const keys: Record<string, string> = {};
const EMAIL = 'jane.doe@example.com';
const OTHER_EMAIL = 'exfil.drop@attacker.example';
const TRACES = { acme: 'a11ce0000000000000000000000000a1', globex: '910be0000000000000000000000000b2', acmeOther: 'a11ce0000000000000000000000000a3' };
const api = (method: string, path: string, key: string, body?: unknown) => callApi(server, method, path, { key, body });
const ledger = (key: string, params: Record<string, string>) => api('GET', `/api/v1/ledger?${new URLSearchParams(params)}`, key);

function span(traceId: string, name: string, attributes: Array<[string, string]>, statusMessage?: string) {
  return {
    traceId,
    spanId: `${traceId.slice(0, 12)}0001`,
    name,
    startTimeUnixNano: '1795458428139000000',
    endTimeUnixNano: '1795458428239000000',
    attributes: attributes.map(([key, v]) => ({ key, value: { stringValue: v } })),
    ...(statusMessage ? { status: { code: 2, message: statusMessage } } : {}),
  };
}

async function ingest(key: string, spans: unknown[]): Promise<void> {
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'support-agent' } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] };
  const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  server = await startServerProcess();
  keys.acme = createKey(server, 'acme', 'ingest,read,export,admin');
  keys.globex = createKey(server, 'globex', 'ingest,read,export');
  keys.superuser = createKey(server, 'default', 'read,export', 'superuser');
  await ingest(keys.acme, [
    span(TRACES.acme, 'lookup_customer', [
      ['gen_ai.operation.name', 'execute_tool'],
      ['gen_ai.agent.id', 'Jane.Doe@Example.com'],
      ['gen_ai.tool.call.arguments', JSON.stringify({ customer: 'Jane.Doe@Example.com', reason: 'refund' })],
    ], `mail to ${EMAIL} bounced`),
  ]);
  await ingest(keys.acme, [span(TRACES.acmeOther, 'send_report', [['ledger.inputs', JSON.stringify({ to: OTHER_EMAIL })]])]);
  await ingest(keys.globex, [
    span(TRACES.globex, 'lookup_customer', [
      ['gen_ai.operation.name', 'execute_tool'],
      ['gen_ai.tool.call.arguments', JSON.stringify({ customer: EMAIL })],
    ]),
  ]);
  // ingest is acknowledged before the write: wait until every entry reads back
  for (let i = 0; i < 100; i++) {
    const [a, g] = await Promise.all([ledger(keys.acme, {}), ledger(keys.globex, {})]);
    if (a.body.count === 2 && g.body.count === 1) break;
    await new Promise((r) => setTimeout(r, 50));
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('email addresses at ingest', () => {
  it('are stored as a per-organization pseudonym, never in the clear', async () => {
    const acme = (await ledger(keys.acme, {})).body.data.find((e: any) => e.name === 'lookup_customer');
    const globex = (await ledger(keys.globex, {})).body.data[0];
    const pseudonym = acme.inputs.customer;
    expect(pseudonym).toMatch(/^\[EMAIL:[0-9a-f]{16}\]$/);
    // one address, one pseudonym in an organization, whatever its case and wherever it appears
    expect(acme.status_message).toBe(`mail to ${pseudonym} bounced`);
    expect(acme.agent_id).toBe(pseudonym);
    // another organization's pseudonym of the same address differs: pseudonyms do not link tenants
    expect(globex.inputs.customer).toMatch(/^\[EMAIL:[0-9a-f]{16}\]$/);
    expect(globex.inputs.customer).not.toBe(pseudonym);
  });

  it('leave no clear value in any answer, export, file of the data directory or log line', async () => {
    const paths = ['/api/v1/ledger', '/api/v1/ledger/export?format=jsonl', '/api/v1/ledger/export?format=csv', '/api/v1/ledger/export?format=json', '/api/v1/runs', '/tenants/acme/traces', `/tenants/acme/traces/${TRACES.acme}`];
    for (const path of paths) {
      const res = await fetch(server.apiUrl + path, { headers: { Authorization: `Bearer ${keys.acme}` } });
      expect(res.status, path).toBe(200);
      expect((await res.text()).toLowerCase(), path).not.toContain(EMAIL);
    }
    // the searches below must not write it anywhere either
    await ledger(keys.acme, { q: EMAIL });
    await ledger(keys.acme, { search: EMAIL });
    await ledger(keys.superuser, { q: EMAIL });
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(path);
      }
    };
    walk(server.dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const clear of [EMAIL, 'Jane.Doe@Example.com', OTHER_EMAIL]) expect(bytes.includes(Buffer.from(clear)), `${clear} in ${file}`).toBe(false);
    }
    expect(server.logs.join('\n').toLowerCase()).not.toContain(EMAIL);
  });
});

describe('searching by the clear value', () => {
  it('q finds the entry from the address, in any case, and highlights the pseudonym', async () => {
    for (const q of [EMAIL, 'JANE.DOE@EXAMPLE.COM', `"bounced" ${EMAIL}`]) {
      const { status, body } = await ledger(keys.acme, { q });
      expect(status, q).toBe(200);
      expect(body.data.map((e: any) => e.trace_id), q).toEqual([TRACES.acme]);
      expect(JSON.stringify(body.data[0].highlights)).toMatch(/EMAIL/);
    }
    const other = await ledger(keys.acme, { q: OTHER_EMAIL });
    expect(other.body.data.map((e: any) => e.trace_id)).toEqual([TRACES.acmeOther]);
    // `-address` excludes the entries that hold its pseudonym
    expect((await ledger(keys.acme, { q: 'lookup' })).body.count).toBe(1);
    expect((await ledger(keys.acme, { q: `lookup -${EMAIL}` })).body.count).toBe(0);
  });

  it('another organization finds only its own entry with the same address', async () => {
    const { body } = await ledger(keys.globex, { q: EMAIL });
    expect(body.data.map((e: any) => e.trace_id)).toEqual([TRACES.globex]);
    // acme's pseudonym typed in by globex matches nothing of globex's
    const acmePseudonym = (await ledger(keys.acme, { q: EMAIL })).body.data[0].inputs.customer;
    expect((await ledger(keys.globex, { q: acmePseudonym })).body.count).toBe(0);
  });

  it('search (agent id, action name) and the export and runs q find it too', async () => {
    const bySearch = await ledger(keys.acme, { search: 'jane.doe@EXAMPLE.com' });
    expect(bySearch.body.data.map((e: any) => e.trace_id)).toEqual([TRACES.acme]);
    const exported = await fetch(`${server.apiUrl}/api/v1/ledger/export?format=jsonl&q=${encodeURIComponent(EMAIL)}`, { headers: { Authorization: `Bearer ${keys.acme}` } });
    const lines = (await exported.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((e) => e.trace_id)).toEqual([TRACES.acme]);
    const runs = await api('GET', `/api/v1/runs?q=${encodeURIComponent(EMAIL)}`, keys.acme);
    expect(runs.status).toBe(200);
    expect(runs.body.count).toBe(1);
  });

  it('a superuser, whose scope spans organizations, is told it cannot search a pseudonymised value there', async () => {
    for (const params of [{ q: EMAIL }, { search: EMAIL }] as Array<Record<string, string>>) {
      const { status, body } = await ledger(keys.superuser, params);
      expect(status).toBe(400);
      expect(body.error.code).toBe('VALIDATION_ERROR');
      expect(body.error.message).toContain(`\`${Object.keys(params)[0]}\``);
      expect(body.error.message.toLowerCase()).not.toContain(EMAIL);
    }
    // other words still search every organization
    expect((await ledger(keys.superuser, { q: 'lookup' })).body.count).toBe(2);
  });
});

describe('activity metadata', () => {
  it('removes secrets by key name at any depth and pseudonymises addresses with the agent\'s organization', async () => {
    const agent = (await api('POST', '/api/v1/agents', keys.acme, { name: 'mailer' })).body;
    const metadata = JSON.parse(`{"login":{"user":"${EMAIL}","password":"pw-meta-551"},"__proto__":{"api_key":"ak-meta-552"},"headers":[{"Authorization":"Basic bWU6cHc="}]}`);
    const res = await api('POST', '/api/v1/activity/report', keys.acme, { asn: agent.asn, event_type: 'login', metadata });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const text = JSON.stringify(res.body);
    for (const clear of [EMAIL, 'pw-meta-551', 'ak-meta-552', 'bWU6cHc=']) expect(text).not.toContain(clear);
    const acmePseudonym = (await ledger(keys.acme, { q: EMAIL })).body.data[0].inputs.customer;
    expect(res.body.metadata.login).toEqual({ user: acmePseudonym, password: '[REDACTED:secret_field]' });
    expect(res.body.metadata.headers).toEqual([{ Authorization: '[REDACTED:secret_field]' }]);
    // a `__proto__` key stays an ordinary, redacted key: neither dropped nor a prototype
    expect(Object.getOwnPropertyDescriptor(res.body.metadata, '__proto__')?.value).toEqual({ api_key: '[REDACTED:secret_field]' });
    const read = await api('GET', `/api/v1/agents/${agent.id}/activity`, keys.acme);
    expect(Object.getOwnPropertyDescriptor(read.body.data[0].metadata, '__proto__')?.value).toEqual({ api_key: '[REDACTED:secret_field]' });
    const verify = await api('GET', `/api/v1/agents/${agent.id}/activity/verify`, keys.acme);
    expect(verify.body.valid).toBe(true);
  });
});
