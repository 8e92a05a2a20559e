import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, createKey, ids, sendSpans, type TestSpan } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Tenancy of agents: another organization's agent is a 404 on every agents
 * route (by UUID, ASN or external id, for reads and admin writes alike), and
 * its records never appear in a list or a feed, even when both organizations
 * use the same external id. Run `npm run build` first.
 */

let server: ServerProcess;
const keys: Record<string, string> = {};
const agent: Record<string, any> = {};
const NOW = Date.now();

const routes = (ref: string): Array<[string, string]> => [
  ['GET', `/api/v1/agents/${ref}`],
  ['GET', `/api/v1/agents/${ref}/activity`],
  ['GET', `/api/v1/agents/${ref}/activity/verify`],
  ['GET', `/api/v1/agents/${ref}/actions`],
  ['POST', `/api/v1/agents/${ref}/deactivate`],
  ['POST', `/api/v1/agents/${ref}/activate`],
];

beforeAll(async () => {
  server = await startServerProcess();
  keys.acme = createKey(server, 'acme', 'admin,read,ingest');
  keys.globex = createKey(server, 'globex', 'admin,read,ingest');
  keys.superuser = createKey(server, 'default', 'read', 'superuser');
  keys.alice = createKey(server, 'acme', 'read,ingest', 'user', 'alice');
  // both organizations run an agent called "shared-bot"
  const span = (name: string): TestSpan => ({ agent: 'shared-bot', name, atMs: NOW - 60_000, ...ids() });
  await sendSpans(server, keys.acme, [span('acme-action')]);
  await sendSpans(server, keys.globex, [span('globex-action')]);
  await sendSpans(server, keys.alice, [span('alice-action')]);
  // Bob, a user of the same organization: costly actions of the shared agent and of an agent only he uses
  keys.bob = createKey(server, 'acme', 'read,ingest', 'user', 'bob');
  const cost = (usd: number) => [{ key: 'ledger.cost_usd', value: { doubleValue: usd } }];
  await sendSpans(server, keys.bob, [
    { ...span('bob-secret-step'), atMs: NOW - 30_000, ...ids(), attributes: cost(100) },
    { ...span('bob-failed-step'), atMs: NOW - 20_000, ...ids(), error: 'bob failed', attributes: cost(1) },
    { agent: 'bob-bot', name: 'bob-bot-step', atMs: NOW - 10_000, ...ids(), attributes: cost(101) },
  ]);
  for (const org of ['acme', 'globex']) {
    agent[org] = (await callApi(server, 'GET', '/api/v1/agents/shared-bot', { key: keys[org] })).body;
    await callApi(server, 'POST', '/api/v1/activity/report', { key: keys[org], body: { asn: agent[org].asn, event_type: `${org}-event` } });
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('another organization\'s agent', () => {
  it('is a different agent with the same external id', () => {
    expect(agent.acme.id).not.toBe(agent.globex.id);
    expect(agent.acme.organization_id).toBe('acme');
    expect(agent.globex.organization_id).toBe('globex');
  });

  it('is a 404 on every agents route, by UUID and by ASN', async () => {
    for (const ref of [agent.globex.id, agent.globex.asn]) {
      for (const [method, path] of routes(ref)) {
        const res = await callApi(server, method, path, { key: keys.acme });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe('NOT_FOUND');
        expect(JSON.stringify(res.body)).not.toContain('globex');
      }
    }
    // and nothing changed: the admin writes did not reach it
    expect((await callApi(server, 'GET', `/api/v1/agents/${agent.globex.id}`, { key: keys.globex })).body.status).toBe('active');
  });

  it('never appears in a list or a feed', async () => {
    const list = await callApi(server, 'GET', '/api/v1/agents?per_page=100', { key: keys.acme });
    expect(list.body.data.map((a: any) => a.organization_id)).toEqual(['acme', 'acme']);
    expect(list.body.data.map((a: any) => a.id)).toContain(agent.acme.id);
    const feed = await callApi(server, 'GET', '/api/v1/agents/shared-bot/actions', { key: keys.acme });
    const text = JSON.stringify(feed.body);
    expect(text).toContain('acme-action');
    expect(text).toContain('acme-event');
    expect(text).not.toContain('globex');
    const activity = await callApi(server, 'GET', '/api/v1/agents/shared-bot/activity', { key: keys.acme });
    expect(activity.body.data.map((e: any) => e.event_type)).toEqual(['acme-event']);
  });

  it('is visible to a superuser, by UUID or ASN', async () => {
    const res = await callApi(server, 'GET', `/api/v1/agents/${agent.globex.asn}`, { key: keys.superuser });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(agent.globex.id);
    expect((await callApi(server, 'GET', '/api/v1/agents?per_page=100', { key: keys.superuser })).body.pagination.total).toBe(3);
  });
});

describe('a user of the organization', () => {
  it('sees the organization\'s agents, and in the feed only the actions of their own runs', async () => {
    const feed = await callApi(server, 'GET', '/api/v1/agents/shared-bot/actions', { key: keys.alice });
    expect(feed.status).toBe(200);
    const names = feed.body.filter((i: any) => i.source === 'log' && i.log.metadata.source === 'ledger').map((i: any) => i.log.metadata.action_name);
    expect(names).toEqual(['alice-action']);
    expect(JSON.stringify(feed.body)).not.toMatch(/bob/);
    // of an agent only Bob uses, the lifecycle alone
    const bobBot = await callApi(server, 'GET', '/api/v1/agents/bob-bot/actions', { key: keys.alice });
    expect(bobBot.status).toBe(200);
    expect(bobBot.body.map((i: any) => i.source)).toEqual(['event']);
    expect(JSON.stringify(bobBot.body)).not.toContain('bob-bot-step');
    // the admin sees everyone's
    const adminFeed = await callApi(server, 'GET', '/api/v1/agents/shared-bot/actions', { key: keys.acme });
    expect(adminFeed.body.filter((i: any) => i.source === 'log' && i.log.metadata.source === 'ledger')).toHaveLength(4);
  });

  it('sees each agent\'s usage by their own actions only, never another user\'s', async () => {
    const usage = (a: any) => ({ action_count: a.action_count, total_cost_usd: a.total_cost_usd, error_rate: a.error_rate });
    const one = async (key: string, ref: string) => (await callApi(server, 'GET', `/api/v1/agents/${ref}`, { key })).body;
    const listed = async (key: string) =>
      Object.fromEntries((await callApi(server, 'GET', '/api/v1/agents?per_page=100', { key })).body.data.map((a: any) => [a.external_ids[0], a]));

    // the same agents, each with the caller's own usage, by UUID, ASN, external id and in the list
    const aliceList = await listed(keys.alice);
    expect(Object.keys(aliceList).sort()).toEqual(['bob-bot', 'shared-bot']);
    for (const a of [await one(keys.alice, 'bob-bot'), await one(keys.alice, aliceList['bob-bot'].asn), aliceList['bob-bot']]) {
      expect(usage(a)).toEqual({ action_count: 0, total_cost_usd: 0, error_rate: 0 });
      expect(a.last_seen_at).toBeNull();
    }
    for (const a of [await one(keys.alice, 'shared-bot'), await one(keys.alice, agent.acme.id), aliceList['shared-bot']]) {
      expect(usage(a)).toEqual({ action_count: 1, total_cost_usd: 0, error_rate: 0 });
    }
    const bobList = await listed(keys.bob);
    expect(usage(bobList['shared-bot'])).toEqual({ action_count: 2, total_cost_usd: 101, error_rate: 0.5 });
    expect(usage(await one(keys.bob, 'bob-bot'))).toEqual({ action_count: 1, total_cost_usd: 101, error_rate: 0 });
    expect(Date.parse((await one(keys.bob, 'bob-bot')).last_seen_at)).toBe(NOW - 10_000);

    // the organization's admin sees every user's; name, status, ASN and trust score are the agent's own for all
    const admin = await one(keys.acme, 'shared-bot');
    expect(usage(admin)).toEqual({ action_count: 4, total_cost_usd: 101, error_rate: 0.25 });
    expect(usage(await one(keys.acme, 'bob-bot'))).toEqual({ action_count: 1, total_cost_usd: 101, error_rate: 0 });
    const own = ({ id, asn, name, status, trust_score, activity_count }: any) => ({ id, asn, name, status, trust_score, activity_count });
    expect(own(aliceList['shared-bot'])).toEqual(own(admin));
  });

  it('with the admin scope, sees their own usage in a status change\'s answer', async () => {
    const carol = createKey(server, 'acme', 'read,admin', 'user', 'carol');
    const off = await callApi(server, 'POST', '/api/v1/agents/bob-bot/deactivate', { key: carol });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ status: 'deactivated', action_count: 0, total_cost_usd: 0, last_seen_at: null });
    const on = await callApi(server, 'POST', '/api/v1/agents/bob-bot/activate', { key: carol });
    expect(on.body).toMatchObject({ status: 'active', action_count: 0, total_cost_usd: 0 });
  });

  it('cannot deactivate an agent without the admin scope', async () => {
    const res = await callApi(server, 'POST', '/api/v1/agents/shared-bot/deactivate', { key: keys.alice });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });
});
