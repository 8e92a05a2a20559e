import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

let server: ServerProcess;
const keys: Record<string, string> = {};
const traceOf: Record<string, string> = {};

const runIdOf = (traceId: string) => traceId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/** One run of two spans, its payloads marked so a leak is easy to find in any body. */
function request(traceId: string, marker: string, extraAttributes: Array<Record<string, unknown>> = []) {
  const span = (spanId: string, parent: string, name: string) => ({
    traceId,
    spanId,
    parentSpanId: parent,
    name,
    startTimeUnixNano: '1795458428139000000',
    endTimeUnixNano: '1795458428239000000',
    attributes: [
      { key: 'gen_ai.agent.id', value: { stringValue: `agent-${marker}` } },
      { key: 'ledger.inputs', value: { stringValue: JSON.stringify({ marker }) } },
      { key: 'ledger.cost_usd', value: { doubleValue: 0.5 } },
      ...extraAttributes,
    ],
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${marker}` } }, { key: 'organization_id', value: { stringValue: 'acme' } }] },
        scopeSpans: [{ scope: { name: 't' }, spans: [span('1000000000000001', '', `root-${marker}`), span('1000000000000002', '1000000000000001', `step-${marker}`)] }],
      },
    ],
  };
}

async function ingest(key: string | null, body: unknown): Promise<Response> {
  return fetch(server.otlpUrl, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...(key ? { Authorization: `Bearer ${key}` } : {}) },
  });
}

async function read(path: string, key: string | null, style: 'bearer' | 'plain' = 'bearer') {
  const headers: Record<string, string> = key ? { Authorization: style === 'bearer' ? `Bearer ${key}` : key } : {};
  const res = await fetch(server.apiUrl + path, { headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

beforeAll(async () => {
  server = await startServerProcess({ env: { AGENT_LEDGER_AUTH_KEY_CACHE_SECONDS: '1' } });
  const cli = (...args: string[]) => runCli(server.dataDir, args).trim();
  cli('orgs', 'create', 'acme', '--name', 'Acme');
  cli('orgs', 'create', 'globex');
  keys.acmeAdmin = cli('keys', 'create', '--org', 'acme', '--role', 'admin', '--scopes', 'ingest,read,export');
  keys.alice = cli('keys', 'create', '--org', 'acme', '--role', 'user', '--user', 'alice', '--scopes', 'ingest,read,export');
  keys.bob = cli('keys', 'create', '--org', 'acme', '--role', 'user', '--user', 'bob', '--scopes', 'ingest,read,export');
  keys.readOnly = cli('keys', 'create', '--org', 'acme', '--scopes', 'read');
  keys.ingestOnly = cli('keys', 'create', '--org', 'acme', '--scopes', 'ingest');
  keys.revoked = cli('keys', 'create', '--org', 'acme', '--scopes', 'ingest,read,export');
  keys.expired = cli('keys', 'create', '--org', 'acme', '--scopes', 'ingest,read,export', '--expires-at', '2020-01-01T00:00:00Z');
  keys.globex = cli('keys', 'create', '--org', 'globex', '--scopes', 'ingest,read,export');
  keys.superuser = cli('keys', 'create', '--org', 'default', '--role', 'superuser', '--scopes', 'read,export');
  cli('keys', 'revoke', keys.revoked.slice(0, 12));

  const sends: Array<[string, string, string, Array<Record<string, unknown>>?]> = [
    ['alice', 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1', 'acme-alice'],
    ['bob', 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0', 'acme-bob'],
    ['acmeAdmin', 'c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1', 'acme-carol', [{ key: 'user.id', value: { stringValue: 'carol' } }]],
    ['globex', '91919191919191919191919191919191', 'globex-admin'],
  ];
  for (const [who, traceId, marker, extra] of sends) {
    traceOf[marker] = traceId;
    const res = await ingest(keys[who], request(traceId, marker, extra));
    expect(res.status, `${who} ingest`).toBe(200);
  }
  traceOf['default-admin'] = 'dddddddddddddddddddddddddddddddd';
  expect((await ingest(TEST_ADMIN_KEY, request(traceOf['default-admin'], 'default-admin'))).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
});

const MARKERS = ['acme-alice', 'acme-bob', 'acme-carol', 'globex-admin', 'default-admin'];

/** Every read endpoint, for a run of the given marker. */
function endpoints(marker = 'acme-alice', tenant = 'acme') {
  const traceId = traceOf[marker] ?? 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
  return [
    `/api/v1/ledger?page_size=1000`,
    `/api/v1/ledger/stats`,
    `/api/v1/ledger/export?format=jsonl`,
    `/api/v1/runs?page_size=1000`,
    `/api/v1/runs/${runIdOf(traceId)}`,
    `/tenants/${tenant}/traces?per_page=100`,
    `/tenants/${tenant}/traces/${traceId}`,
  ];
}

describe('credentials', () => {
  it.each([
    ['no credential', null],
    ['a wrong key', 'alk_wrongkey_0123456789012345678901234567890123456789'],
    ['a revoked key', 'revoked'],
    ['an expired key', 'expired'],
    ['a malformed bearer token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
  ])('answers 401 UNAUTHORIZED with %s, on every endpoint and on ingest', async (_what, key) => {
    const credential = key && key in keys ? keys[key] : key;
    for (const path of endpoints()) {
      const res = await read(path, credential);
      expect(res.status, path).toBe(401);
      expect(JSON.parse(res.text).error.code).toBe('UNAUTHORIZED');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    const res = await ingest(credential, request('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee1', 'nobody'));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 16 });
  });

  it('accepts the key as "Authorization: <key>" as the seed shows, and in the OTLP key header', async () => {
    expect((await read('/api/v1/ledger', keys.acmeAdmin, 'plain')).status).toBe(200);
    const res = await fetch(server.otlpUrl, {
      method: 'POST',
      body: JSON.stringify(request('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee2', 'acme-header')),
      headers: { 'Content-Type': 'application/json', 'x-api-key': keys.acmeAdmin },
    });
    expect(res.status).toBe(200);
  });

  it('answers 403 FORBIDDEN for a missing scope', async () => {
    for (const path of endpoints()) {
      const res = await read(path, keys.ingestOnly);
      expect(res.status, path).toBe(403);
      expect(JSON.parse(res.text).error.code).toBe('FORBIDDEN');
    }
    expect((await read('/api/v1/ledger/export', keys.readOnly)).status).toBe(403);
    expect((await read('/api/v1/ledger', keys.readOnly)).status).toBe(200);
    const res = await ingest(keys.readOnly, request('eeeeeeeeeeeeeeeeeeeeeeeeeeeeeee3', 'nobody'));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 7 });
  });

  it('stops accepting a revoked key within the cache time', async () => {
    const key = runCli(server.dataDir, ['keys', 'create', '--org', 'acme', '--scopes', 'read']).trim();
    expect((await read('/api/v1/ledger', key)).status).toBe(200);
    runCli(server.dataDir, ['keys', 'revoke', key.slice(0, 12)]);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await read('/api/v1/ledger', key)).status).toBe(401);
  });

  it('lists keys without their secrets', () => {
    const listing = runCli(server.dataDir, ['keys', 'list']);
    expect(listing).toContain(keys.alice.slice(0, 12));
    for (const key of Object.values(keys)) expect(listing).not.toContain(key);
  });
});

describe('tenancy and access control', () => {
  const visible: Record<string, string[]> = {
    alice: ['acme-alice'],
    bob: ['acme-bob'],
    acmeAdmin: ['acme-alice', 'acme-bob', 'acme-carol', 'acme-header'],
    globex: ['globex-admin'],
    superuser: MARKERS,
  };

  it.each(Object.entries(visible))('shows %s exactly its own entries, in every body', async (who, mine) => {
    const ledger = JSON.parse((await read('/api/v1/ledger?page_size=1000', keys[who])).text);
    const seen = new Set(ledger.data.map((e: any) => e.inputs.marker));
    for (const marker of mine) expect(seen, marker).toContain(marker);
    const hidden = MARKERS.filter((m) => !mine.includes(m));
    for (const path of endpoints(mine[0], who === 'globex' ? 'globex' : 'acme')) {
      const res = await read(path, keys[who]);
      if (who === 'superuser' && path.startsWith('/tenants/')) continue;
      expect(res.status, `${who} ${path}`).toBe(200);
      for (const marker of hidden) expect(res.text, `${who} ${path} leaks ${marker}`).not.toContain(marker);
    }
    const stats = JSON.parse((await read('/api/v1/ledger/stats', keys[who])).text);
    expect(stats.total_actions).toBe(ledger.count);
    expect(stats.total_cost_usd).toBeCloseTo(ledger.count * 0.5, 9);
  });

  it('answers 404, never 403, for another tenant\'s run and trace', async () => {
    const globexTrace = traceOf['globex-admin'];
    for (const who of ['alice', 'acmeAdmin']) {
      const run = await read(`/api/v1/runs/${runIdOf(globexTrace)}`, keys[who]);
      expect(run.status).toBe(404);
      expect((await read(`/tenants/acme/traces/${globexTrace}`, keys[who])).status).toBe(404);
      expect((await read(`/tenants/globex/traces`, keys[who])).status).toBe(404);
      expect((await read(`/tenants/globex/traces/${globexTrace}`, keys[who])).status).toBe(404);
    }
    // a user cannot open another user's run of the same organization either
    expect((await read(`/api/v1/runs/${runIdOf(traceOf['acme-bob'])}`, keys.alice)).status).toBe(404);
    expect((await read(`/api/v1/runs/${runIdOf(traceOf['acme-bob'])}`, keys.acmeAdmin)).status).toBe(200);
  });

  it('stores spans under the credential\'s organization whatever the payload claims', async () => {
    const res = JSON.parse((await read('/api/v1/ledger?page_size=1000', keys.globex)).text);
    expect(res.data.length).toBeGreaterThan(0);
    for (const entry of res.data) expect(entry.organization_id).toBe('globex');
  });

  it('gives a user key\'s spans to its user, and lets an organization key assert user.id', async () => {
    const admin = JSON.parse((await read('/api/v1/runs?page_size=1000', keys.acmeAdmin)).text);
    const byTrace = new Map(admin.data.map((r: any) => [r.trace_id, r.user_id]));
    expect(byTrace.get(traceOf['acme-alice'])).toBe('alice');
    expect(byTrace.get(traceOf['acme-bob'])).toBe('bob');
    expect(byTrace.get(traceOf['acme-carol'])).toBe('carol');
  });

  it('never writes a key into the logs', async () => {
    const logs = server.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const key of [...Object.values(keys), TEST_ADMIN_KEY]) expect(logs).not.toContain(key);
  });
});
