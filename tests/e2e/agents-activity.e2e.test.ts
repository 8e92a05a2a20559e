import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAsn } from '../../model/asn.js';
import { callApi, createKey, type ApiAnswer } from '../helpers/agents-api.js';
import { runCli } from '../helpers/cli.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * activity-events-api.txt end to end on the compiled server: registration,
 * single and batch reports, the activity log with every filter as its owner
 * and without a credential (the 50-event public view), and every error code
 * of the seed with its status. Run `npm run build` first.
 */

let server: ServerProcess;
const keys: Record<string, string> = {};
let scanner: any;
let idle: any;

const api = (method: string, path: string, key: string | null, body?: unknown) => callApi(server, method, path, { key, body });
const report = (key: string | null, body: unknown) => api('POST', '/api/v1/activity/report', key, body);
const batch = (key: string | null, body: unknown) => api('POST', '/api/v1/activity/report/batch', key, body);
const activity = (ref: string, query = '', key: string | null = keys.admin) => api('GET', `/api/v1/agents/${encodeURIComponent(ref)}/activity${query}`, key);

function expectError(res: ApiAnswer, status: number, code: string, mentions?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
  if (mentions) expect(res.body.error.message).toContain(mentions);
}

beforeAll(async () => {
  server = await startServerProcess();
  keys.admin = createKey(server, 'acme', 'admin,read,ingest');
  keys.reporter = createKey(server, 'acme', 'activity:report');
  keys.ingest = createKey(server, 'acme', 'ingest');
  keys.reader = createKey(server, 'acme', 'read');
  keys.globex = createKey(server, 'globex', 'admin,read,ingest,activity:report');
  scanner = (await api('POST', '/api/v1/agents', keys.admin, { name: 'vulnerability-scanner', external_ids: ['scanner-prod'] })).body;
  idle = (await api('POST', '/api/v1/agents', keys.admin, { name: 'idle' })).body;
});

afterAll(async () => {
  await server?.stop();
});

describe('POST /api/v1/agents', () => {
  it('registers an agent with a UUID, a valid ASN, the caller\'s organization and a neutral trust score', () => {
    expect(scanner).toMatchObject({
      name: 'vulnerability-scanner',
      organization_id: 'acme',
      status: 'active',
      external_ids: ['scanner-prod'],
      last_seen_at: null,
      action_count: 0,
      trust_score: 50,
    });
    expect(scanner.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(parseAsn(scanner.asn)).toBe(scanner.asn);
    expect(scanner.asn.slice(4, 8)).toBe(String(new Date().getUTCFullYear()));
    expect(scanner.asn).not.toBe(idle.asn);
  });

  it('is found by UUID, ASN (any case) and external id', async () => {
    for (const ref of [scanner.id, scanner.asn, scanner.asn.toLowerCase(), 'scanner-prod']) {
      const res = await api('GET', `/api/v1/agents/${ref}`, keys.reader);
      expect(res.status, ref).toBe(200);
      expect(res.body.id).toBe(scanner.id);
    }
  });

  it('needs the admin scope and a valid body', async () => {
    expectError(await api('POST', '/api/v1/agents', keys.reader, { name: 'x' }), 403, 'FORBIDDEN', '`admin`');
    expectError(await api('POST', '/api/v1/agents', keys.admin, {}), 400, 'VALIDATION_ERROR', '`name`');
    expectError(await api('POST', '/api/v1/agents', keys.admin, { name: 'x', colour: 'red' }), 400, 'VALIDATION_ERROR', '`colour`');
    expectError(await api('POST', '/api/v1/agents', keys.admin, { name: 'x', external_ids: ['ASN-2026-0384-7721-G'] }), 400, 'VALIDATION_ERROR', '`external_ids[0]`');
    expectError(await api('POST', '/api/v1/agents', keys.admin, { name: 'x', external_ids: ['scanner-prod'] }), 400, 'VALIDATION_ERROR', 'external_ids');
    expectError(await api('POST', '/api/v1/agents', keys.admin, 'not json'), 400, 'VALIDATION_ERROR');
  });

  // names and ids that render as something else in a console, a log line or a CSV
  const CONTROLS: Array<[string, string]> = [
    ['NUL', 'bot\u0000'],
    ['ESC (terminal escapes)', 'bot\u001b[31m'],
    ['a newline', 'bot\nadmin'],
    ['DEL', 'bot\u007f'],
    ['a C1 control (CSI)', 'bot\u009b31m'],
    ['a C1 NEL', 'bot\u0085'],
    ['RIGHT-TO-LEFT OVERRIDE', 'invoice\u202Etxt.exe'],
    ['LEFT-TO-RIGHT EMBEDDING', '\u202Abot'],
    ['RIGHT-TO-LEFT ISOLATE', 'bot\u2067x'],
    ['POP DIRECTIONAL ISOLATE', 'bot\u2069'],
    ['RIGHT-TO-LEFT MARK', 'bot\u200F'],
    ['ARABIC LETTER MARK', 'bot\u061C'],
    ['LINE SEPARATOR', 'bot\u2028x'],
  ];
  it.each(CONTROLS)('refuses %s in a name or an external id with a 400 naming the field, registering nothing', async (_what, text) => {
    const before = (await api('GET', '/api/v1/agents?per_page=1', keys.reader)).body.pagination.total;
    expectError(await api('POST', '/api/v1/agents', keys.admin, { name: text }), 400, 'VALIDATION_ERROR', '`name`');
    expectError(await api('POST', '/api/v1/agents', keys.admin, { name: 'ok', external_ids: ['fine', text] }), 400, 'VALIDATION_ERROR', '`external_ids[1]`');
    expect((await api('GET', '/api/v1/agents?per_page=1', keys.reader)).body.pagination.total).toBe(before);
  });

  it('still takes names in any script, with emoji joiners', async () => {
    // in another organization, so acme's agent counts below stay as they are
    const res = await api('POST', '/api/v1/agents', keys.globex, { name: 'مساعد 助手 👩‍💻', external_ids: ['ünïcode-bot'] });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('مساعد 助手 👩‍💻');
  });
});

describe('POST /api/v1/activity/report', () => {
  it('creates the seed\'s event (201) with reported_by from the credential and severity info by default', async () => {
    const res = await report(keys.reporter, { asn: scanner.asn, event_type: 'task_completed', metadata: { task_id: 'scan-42', duration_ms: 1230, result: '3 vulnerabilities found' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      agent_id: scanner.id,
      event_type: 'task_completed',
      severity: 'info',
      metadata: { task_id: 'scan-42', duration_ms: 1230, result: '3 vulnerabilities found' },
      reported_by: expect.stringMatching(/^key:/),
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      sequence: 1,
      prev_hash: '0'.repeat(64),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      expires_at: expect.any(String),
    });
    expect(Date.parse(res.body.expires_at) - Date.parse(res.body.created_at)).toBe(400 * 86_400_000);
  });

  it('takes the ingest scope too, and the agent by UUID or external id', async () => {
    const a = await report(keys.ingest, { asn: scanner.id, event_type: 'startup', severity: 'info' });
    const b = await report(keys.ingest, { asn: 'scanner-prod', event_type: 'task_failed', severity: 'warning', metadata: {} });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.prev_hash).toBe(a.body.hash);
    expect(b.body.sequence).toBe(a.body.sequence + 1);
  });

  it('redacts secrets in metadata as it does in spans', async () => {
    const res = await report(keys.reporter, { asn: scanner.asn, event_type: 'error', severity: 'error', metadata: { detail: 'used key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD', nested: { email: 'ops@example.com' } } });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body.metadata)).not.toMatch(/sk-proj-abc|ops@example\.com/);
    expect(JSON.stringify(res.body.metadata)).toContain('[REDACTED:');
  });

  it.each([
    ['a missing asn', { event_type: 'x' }, '`asn`'],
    ['a missing event_type', { asn: 'ASN' }, '`event_type`'],
    ['an event_type over 50 characters', { asn: 'scanner-prod', event_type: 'x'.repeat(51) }, '`event_type`'],
    ['an event_type with NUL', { asn: 'scanner-prod', event_type: 'x\u0000' }, '`event_type`'],
    ['an event_type with a C1 control', { asn: 'scanner-prod', event_type: 'x\u009b' }, '`event_type`'],
    ['an event_type with RIGHT-TO-LEFT OVERRIDE', { asn: 'scanner-prod', event_type: 'ok\u202Edeliaf' }, '`event_type`'],
    ['an unknown severity', { asn: 'scanner-prod', event_type: 'x', severity: 'fatal' }, '`severity`'],
    ['metadata that is not an object', { asn: 'scanner-prod', event_type: 'x', metadata: [1, 2] }, '`metadata`'],
    ['metadata past the size cap', { asn: 'scanner-prod', event_type: 'x', metadata: { blob: 'x'.repeat(17_000) } }, '`metadata`'],
    ['an unknown field', { asn: 'scanner-prod', event_type: 'x', metdata: {} }, '`metdata`'],
    ['a body that is not an object', [1], 'JSON object'],
  ])('answers 400 VALIDATION_ERROR to %s, naming the field', async (_what, body, field) => {
    expectError(await report(keys.reporter, body), 400, 'VALIDATION_ERROR', field);
  });

  it('answers 400 naming `metadata` to metadata nested thousands deep (found by the route fuzz: it was a 500)', async () => {
    for (const depth of [33, 5_000, 100_000]) {
      const metadata = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const event = `{"asn":"${scanner.asn}","event_type":"deep","metadata":${metadata}}`;
      expectError(await report(keys.reporter, event), 400, 'VALIDATION_ERROR', '`metadata`');
      expectError(await batch(keys.reporter, `{"events":[${event}]}`), 400, 'VALIDATION_ERROR', '`events[0].metadata`');
    }
  });

  it('checks the depth under a `__proto__` key too (zod\'s copy hides that subtree; it was a 500)', async () => {
    for (const depth of [33, 20_000]) {
      const nested = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const event = `{"asn":"${scanner.asn}","event_type":"deep","metadata":{"__proto__":${nested}}}`;
      expectError(await report(keys.reporter, event), 400, 'VALIDATION_ERROR', '`metadata`');
      expectError(await batch(keys.reporter, `{"events":[${event}]}`), 400, 'VALIDATION_ERROR', '`events[0].metadata`');
    }
  });

  it('answers 401 UNAUTHORIZED without a valid key', async () => {
    expectError(await report(null, { asn: scanner.asn, event_type: 'x' }), 401, 'UNAUTHORIZED');
    expectError(await report('alk_wrongkey_0123456789012345678901234567890123456789', { asn: scanner.asn, event_type: 'x' }), 401, 'UNAUTHORIZED');
  });

  it('answers 403 FORBIDDEN without the scope, and to another organization\'s credential', async () => {
    expectError(await report(keys.reader, { asn: scanner.asn, event_type: 'x' }), 403, 'FORBIDDEN', 'activity:report');
    expectError(await report(keys.globex, { asn: scanner.asn, event_type: 'x' }), 403, 'FORBIDDEN', 'another organization');
    expectError(await report(keys.globex, { asn: scanner.id, event_type: 'x' }), 403, 'FORBIDDEN');
  });

  it('answers 404 NOT_FOUND for an agent that does not exist (an external id of another organization does not exist for the caller)', async () => {
    expectError(await report(keys.reporter, { asn: 'ASN-2026-0384-7721-G', event_type: 'x' }), 404, 'NOT_FOUND', '`asn`');
    expectError(await report(keys.reporter, { asn: 'nobody', event_type: 'x' }), 404, 'NOT_FOUND');
    expectError(await report(keys.globex, { asn: 'scanner-prod', event_type: 'x' }), 404, 'NOT_FOUND');
  });

  // DESIGN.md, Agents: any string of the seed's ASN shape is looked up as an ASN; the check letter never makes it a 400
  it('looks up the seed\'s own ASN and any ASN-shaped string, whatever its check letter: unknown is a 404, on every agent path', async () => {
    const wrongLetter = `${scanner.asn.slice(0, -1)}${scanner.asn.endsWith('A') ? 'B' : 'A'}`;
    for (const asn of ['ASN-2026-0384-7721-A', 'asn-2026-0384-7721-a', 'ASN-1999-0000-0000-Z', 'ASN-2026-0384-7721-I', wrongLetter]) {
      expectError(await report(keys.reporter, { asn, event_type: 'x' }), 404, 'NOT_FOUND', '`asn`');
      expectError(await batch(keys.reporter, { events: [{ asn: scanner.asn, event_type: 'x' }, { asn, event_type: 'x' }] }), 404, 'NOT_FOUND', 'events[1].asn');
      const path = `/api/v1/agents/${encodeURIComponent(asn)}`;
      for (const suffix of ['', '/activity', '/activity/verify', '/actions']) expectError(await api('GET', path + suffix, keys.admin), 404, 'NOT_FOUND');
      expectError(await activity(asn, '', null), 404, 'NOT_FOUND');
      for (const verb of ['deactivate', 'activate']) expectError(await api('POST', `${path}/${verb}`, keys.admin), 404, 'NOT_FOUND');
    }
    // a wrong letter never resolves to the agent whose digits it carries
    expect((await api('GET', `/api/v1/agents/${scanner.asn.toLowerCase()}`, keys.admin)).body.id).toBe(scanner.id);
  });

  it('answers 410 AGENT_DEACTIVATED for a deactivated agent, and takes reports again once it is activated', async () => {
    const deactivated = await api('POST', `/api/v1/agents/${idle.asn}/deactivate`, keys.admin);
    expect(deactivated.body.status).toBe('deactivated');
    expectError(await report(keys.reporter, { asn: idle.asn, event_type: 'startup' }), 410, 'AGENT_DEACTIVATED');
    expectError(await batch(keys.reporter, { events: [{ asn: scanner.asn, event_type: 'x' }, { asn: idle.id, event_type: 'x' }] }), 410, 'AGENT_DEACTIVATED', 'events[1]');
    expect((await api('POST', `/api/v1/agents/${idle.asn}/activate`, keys.admin)).body.status).toBe('active');
    expect((await report(keys.reporter, { asn: idle.asn, event_type: 'startup' })).status).toBe(201);
  });

  it('is immutable: PUT, PATCH and DELETE on activity routes are 405', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      for (const path of ['/api/v1/activity/report', '/api/v1/activity/report/batch', `/api/v1/agents/${scanner.asn}/activity`]) {
        const res = await api(method, path, keys.admin, method === 'DELETE' ? undefined : { asn: scanner.asn, event_type: 'x' });
        expect(res.status, `${method} ${path}`).toBe(405);
      }
    }
  });
});

describe('POST /api/v1/activity/report/batch', () => {
  it('creates every event in order (201)', async () => {
    const before = (await activity(scanner.asn)).body.pagination.total;
    const res = await batch(keys.reporter, {
      events: [
        { asn: scanner.asn, event_type: 'task_completed', metadata: { task_id: 'scan-42' } },
        { asn: 'scanner-prod', event_type: 'task_completed', metadata: { task_id: 'scan-43' } },
        { asn: idle.asn, event_type: 'shutdown' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body.data.map((e: any) => e.metadata.task_id ?? e.event_type)).toEqual(['scan-42', 'scan-43', 'shutdown']);
    expect(res.body.data[1].prev_hash).toBe(res.body.data[0].hash);
    expect((await activity(scanner.asn)).body.pagination.total).toBe(before + 2);
  });

  it('is validated as a whole: one bad event is a 400 naming its index and field, and nothing is written', async () => {
    const before = (await activity(scanner.asn)).body.pagination.total;
    const events = [
      { asn: scanner.asn, event_type: 'task_completed' },
      { asn: scanner.asn, event_type: 'task_completed' },
      { asn: scanner.asn, event_type: 'x'.repeat(51) },
    ];
    expectError(await batch(keys.reporter, { events }), 400, 'VALIDATION_ERROR', '`events[2].event_type`');
    expectError(await batch(keys.reporter, { events: [events[0], { asn: 'ASN-2026-0384-7721-G', event_type: 'x' }] }), 404, 'NOT_FOUND', 'events[1].asn');
    expectError(await batch(keys.reporter, { events: Array.from({ length: 501 }, () => events[0]) }), 400, 'VALIDATION_ERROR', '`events`');
    expectError(await batch(keys.reporter, { events: [] }), 400, 'VALIDATION_ERROR', '`events`');
    expectError(await batch(keys.globex, { events: [{ asn: scanner.asn, event_type: 'x' }] }), 403, 'FORBIDDEN', 'events[0].asn');
    expect((await activity(scanner.asn)).body.pagination.total).toBe(before);
  });
});

describe('GET /api/v1/agents/{asn}/activity', () => {
  let created: any[] = [];

  beforeAll(async () => {
    // 60 more events of two types, so the public view's cap shows
    const events = Array.from({ length: 60 }, (_, i) => ({ asn: scanner.asn, event_type: i % 3 === 0 ? 'incident' : 'task_completed', severity: i % 3 === 0 ? 'warning' : 'info', metadata: { i } }));
    created = (await batch(keys.reporter, { events })).body.data;
  });

  it('gives the owner the whole history, newest first, with the seed\'s pagination', async () => {
    const all = await activity(scanner.asn, '?per_page=50', keys.reader);
    expect(all.status).toBe(200);
    const total = all.body.pagination.total;
    expect(total).toBeGreaterThan(60);
    expect(all.body.pagination).toEqual({ page: 1, per_page: 50, total, total_pages: Math.ceil(total / 50) });
    const seqs = all.body.data.map((e: any) => e.sequence);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(all.body.data[0].id).toBe(created[59].id);
    const last = await activity(scanner.asn, `?per_page=50&page=${Math.ceil(total / 50)}`, keys.reader);
    expect(last.body.data.at(-1).sequence).toBe(1);
    expect((await activity(scanner.asn, '?page=999', keys.reader)).body.data).toEqual([]);
    expect((await activity(scanner.asn)).body.pagination.per_page).toBe(20);
  });

  it('filters by type, from and to (inclusive)', async () => {
    const incidents = await activity(scanner.asn, '?type=incident&per_page=50');
    expect(incidents.body.pagination.total).toBe(20);
    expect(incidents.body.data.every((e: any) => e.event_type === 'incident')).toBe(true);
    const from = created[10].created_at;
    const to = created[19].created_at;
    const window = await activity(scanner.asn, `?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&per_page=50`);
    expect(window.body.data.map((e: any) => e.id)).toEqual(created.slice(10, 20).reverse().map((e) => e.id));
    const both = await activity(scanner.asn, `?type=incident&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(both.body.data.map((e: any) => e.metadata.i)).toEqual([18, 15, 12]);
    expect((await activity(scanner.asn, '?to=2000-01-01')).body.pagination.total).toBe(0);
  });

  it('answers 400 to bad parameters, naming them', async () => {
    expectError(await activity(scanner.asn, '?per_page=51'), 400, 'VALIDATION_ERROR', '`per_page`');
    expectError(await activity(scanner.asn, '?page=0'), 400, 'VALIDATION_ERROR', '`page`');
    expectError(await activity(scanner.asn, '?from=yesterday'), 400, 'VALIDATION_ERROR', '`from`');
    expectError(await activity(scanner.asn, '?from=2026-02-01&to=2026-01-01'), 400, 'VALIDATION_ERROR', '`from`');
    expectError(await activity(scanner.asn, '?kind=x'), 400, 'VALIDATION_ERROR', '`kind`');
  });

  it('without a credential, shows only the 50 most recent events, paged and filtered within them', async () => {
    const page1 = await activity(scanner.asn, '', null);
    expect(page1.status).toBe(200);
    expect(page1.body.pagination).toEqual({ page: 1, per_page: 20, total: 50, total_pages: 3 });
    expect(page1.body.data[0].id).toBe(created[59].id);
    const page3 = await activity(scanner.asn, '?page=3', null);
    expect(page3.body.data).toHaveLength(10);
    expect(page3.body.data.at(-1).id).toBe(created[10].id);
    const byUuid = await activity(scanner.id, '?per_page=50&type=incident', null);
    // incidents among the newest 50 (i = 10…59): i = 12, 15, …, 57
    expect(byUuid.body.pagination.total).toBe(16);
    // external ids belong to an organization: anonymously they name nothing
    expectError(await activity('scanner-prod', '', null), 404, 'NOT_FOUND');
    expectError(await activity(scanner.asn, '', 'alk_wrongkey_0123456789012345678901234567890123456789'), 401, 'UNAUTHORIZED');
  });

  it('is a 404 without a credential once the organization switches the public view off', async () => {
    runCli(server.dataDir, ['orgs', 'set', 'acme', '--public-activity', 'off']);
    expectError(await activity(scanner.asn, '', null), 404, 'NOT_FOUND');
    expect((await activity(scanner.asn, '', keys.reader)).status).toBe(200);
    runCli(server.dataDir, ['orgs', 'set', 'acme', '--public-activity', 'on']);
    expect((await activity(scanner.asn, '', null)).status).toBe(200);
  });
});

describe('GET /api/v1/agents', () => {
  it('lists the organization\'s agents with their numbers, filtered by status and name', async () => {
    const res = await api('GET', '/api/v1/agents', keys.reader);
    expect(res.status).toBe(200);
    expect(res.body.pagination).toMatchObject({ page: 1, per_page: 20, total: 2 });
    const listed = res.body.data.find((a: any) => a.id === scanner.id);
    expect(listed.activity_count).toBeGreaterThan(60);
    expect(listed.last_seen_at).not.toBeNull();
    expect(listed.trust_score).toBeLessThan(50); // 20 warning incidents outweigh the completions
    expect((await api('GET', '/api/v1/agents?name=SCANNER', keys.reader)).body.data.map((a: any) => a.id)).toEqual([scanner.id]);
    expect((await api('GET', '/api/v1/agents?status=deactivated', keys.reader)).body.data).toEqual([]);
    expectError(await api('GET', '/api/v1/agents?status=gone', keys.reader), 400, 'VALIDATION_ERROR', '`status`');
    expectError(await api('GET', '/api/v1/agents?per_page=101', keys.reader), 400, 'VALIDATION_ERROR', '`per_page`');
  });
});
