import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, createKey, ids, sendSpans, type TestSpan } from '../helpers/agents-api.js';
import { runCli } from '../helpers/cli.js';
import { CLI, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Retention end to end: the server's periodic sweep (every second here)
 * removes ledger entries past their organization's retention and nothing
 * else; stats, runs and the feed then answer for what is kept, and the
 * agent's activity chain still verifies. Per-organization retention below
 * 183 days needs --force. (Activity events cannot be backdated through the
 * API; their sweep into tombstones is tested with a moved clock in
 * tests/integration/sqlite-agent-store.test.ts.) Run `npm run build` first.
 */

const DAY_MS = 86_400_000;
let server: ServerProcess;
let key: string;
const NOW = Date.now();

const span = (name: string, daysAgo: number): TestSpan => ({ agent: 'keeper', name, atMs: NOW - daysAgo * DAY_MS, ...ids() });

async function ledgerNames(): Promise<string[]> {
  const res = await callApi(server, 'GET', '/api/v1/ledger?page_size=1000&sort_by=name&sort_order=asc', { key });
  return res.body.data.map((e: any) => e.name);
}

async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  server = await startServerProcess({ env: { AGENT_LEDGER_RETENTION_SWEEP_INTERVAL_SECONDS: '1' } });
  key = createKey(server, 'acme', 'admin,read,ingest');
  await sendSpans(server, key, [span('ancient', 800), span('old', 401), span('kept-399', 399), span('recent', 1)]);
  const events = [{ asn: 'keeper', event_type: 'startup' }, { asn: 'keeper', event_type: 'task_completed' }];
  expect((await callApi(server, 'POST', '/api/v1/activity/report/batch', { key, body: { events } })).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

describe('the retention sweep', () => {
  it('removes only the entries past 400 days (the default), and what was kept from them', async () => {
    const names = await until(ledgerNames, (n) => n.length === 2);
    expect(names).toEqual(['kept-399', 'recent']);
    const stats = (await callApi(server, 'GET', '/api/v1/ledger/stats', { key })).body;
    expect(stats.total_actions).toBe(2);
    expect((await callApi(server, 'GET', '/api/v1/runs', { key })).body.count).toBe(2);
    expect(server.logs.some((l) => l.includes('retention sweep done') && l.includes('"entries":2'))).toBe(true);
  });

  it('keeps the agent, its lifecycle and activity events, and its chain verifies', async () => {
    const agent = (await callApi(server, 'GET', '/api/v1/agents/keeper', { key })).body;
    expect(agent.action_count).toBe(4); // lifetime counters are not payloads: they stay
    expect((await callApi(server, 'GET', '/api/v1/agents/keeper/activity', { key })).body.pagination.total).toBe(2);
    const feed = (await callApi(server, 'GET', `/api/v1/agents/keeper/actions?since=${new Date(NOW - 1000 * DAY_MS).toISOString()}`, { key })).body;
    expect(feed.map((i: any) => i.log?.log_type ?? i.event.event_type)).toEqual(['task_completed', 'startup', 'register', 'agent_run', 'agent_run']);
    const kept = feed.find((i: any) => i.log?.metadata.action_name === 'kept-399').log;
    expect(Date.parse(kept.expires_at) - Date.parse(kept.timestamp)).toBe(400 * DAY_MS);
    const verification = (await callApi(server, 'GET', '/api/v1/agents/keeper/activity/verify', { key })).body;
    expect(verification).toMatchObject({ valid: true, events_checked: 2, tombstones: 0 });
  });

  it('follows an organization\'s own retention, below 183 days only when forced', async () => {
    const refused = spawnSync(process.execPath, [CLI, 'orgs', 'set', 'acme', '--retention-days', '90'], { env: { ...process.env, AGENT_LEDGER_DATA_DIR: server.dataDir }, encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('183');
    expect(JSON.parse(runCli(server.dataDir, ['orgs', 'set', 'acme', '--retention-days', '200']))).toMatchObject({ retention_days: 200 });
    await sendSpans(server, key, [span('day-250', 250), span('day-150', 150)]);
    expect(await until(ledgerNames, (n) => !n.includes('kept-399') && !n.includes('day-250'))).toEqual(['day-150', 'recent']);
    runCli(server.dataDir, ['orgs', 'set', 'acme', '--retention-days', '90', '--force']);
    expect(await until(ledgerNames, (n) => n.length === 1)).toEqual(['recent']);
    const activity = (await callApi(server, 'GET', '/api/v1/agents/keeper/activity', { key })).body.data;
    expect(Date.parse(activity[0].expires_at) - Date.parse(activity[0].created_at)).toBe(90 * DAY_MS);
  });
});

describe('agent-ledger retention sweep', () => {
  it('sweeps on demand and reports what it removed', async () => {
    const other = await startServerProcess();
    try {
      const otherKey = createKey(other, 'acme', 'admin,read,ingest');
      await sendSpans(other, otherKey, [span('ancient', 800), span('recent', 1)]);
      expect(JSON.parse(runCli(other.dataDir, ['retention', 'sweep']))).toEqual({ entries: 1, activity_events: 0, lifecycle_events: 0, runs: 1 });
      expect(JSON.parse(runCli(other.dataDir, ['retention', 'sweep']))).toEqual({ entries: 0, activity_events: 0, lifecycle_events: 0, runs: 0 });
    } finally {
      await other.stop();
    }
  });
});
