import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, createKey, ids, sendSpans, type TestSpan } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Agents named by spans, and agent-actions-feed.txt: spans over OTLP with a
 * new gen_ai.agent.id register the agent; its ledger entries are logs in its
 * feed, merged newest first with its lifecycle and activity events, within
 * since/until and cut at limit. Run `npm run build` first.
 */

let server: ServerProcess;
let key: string;
const NOW = Date.now();
const MIN = 60_000;
let spans: TestSpan[];
let lifecycle: any[];
let activity: any[];

const feed = (ref: string, query = '') => callApi(server, 'GET', `/api/v1/agents/${encodeURIComponent(ref)}/actions${query}`, { key });
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  server = await startServerProcess();
  key = createKey(server, 'acme', 'admin,read,ingest');
  spans = [
    { agent: 'feed-agent', name: 'plan', atMs: NOW - 50 * MIN, attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } }] },
    {
      agent: 'feed-agent',
      name: 'send_email',
      atMs: NOW - 40 * MIN,
      durationMs: 1234,
      error: 'Connection timeout',
      attributes: [
        { key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } },
        { key: 'gen_ai.tool.name', value: { stringValue: 'send_email' } },
        { key: 'gen_ai.tool.call.arguments', value: { stringValue: JSON.stringify({ to: 'ops-desk', subject: 'report' }) } },
        { key: 'ledger.cost_usd', value: { doubleValue: 0.05 } },
        { key: 'service.instance.id', value: { stringValue: 'worker-7' } },
      ],
    },
    {
      agent: 'feed-agent',
      name: 'chat',
      atMs: NOW - 30 * MIN,
      attributes: [
        { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: '250' } },
        { key: 'gen_ai.usage.output_tokens', value: { intValue: '1000' } },
        { key: 'ledger.cost_usd', value: { doubleValue: 0.01 } },
      ],
    },
    { agent: 'feed-agent', name: 'delete_records', atMs: NOW - 20 * MIN, outcome: 'blocked', attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } }, { key: 'gen_ai.tool.name', value: { stringValue: 'delete_records' } }] },
    { agent: 'feed-agent', name: 'read_file', atMs: NOW - 120 * MIN, attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } }, { key: 'gen_ai.tool.name', value: { stringValue: 'read_file' } }] },
    { agent: 'other-agent', name: 'noise', atMs: NOW - 25 * MIN },
  ].map((s) => ({ ...s, ...ids() }) as TestSpan);
  await sendSpans(server, key, spans);
  await callApi(server, 'POST', '/api/v1/agents/feed-agent/deactivate', { key });
  await callApi(server, 'POST', '/api/v1/agents/feed-agent/activate', { key });
  activity = (
    await callApi(server, 'POST', '/api/v1/activity/report/batch', {
      key,
      body: { events: [{ asn: 'feed-agent', event_type: 'startup', metadata: { instance_id: 'pod-1' } }, { asn: 'feed-agent', event_type: 'task_completed', metadata: { task_id: 't1' } }] },
    })
  ).body.data;
  lifecycle = (await feed('feed-agent', `?since=${iso(NOW - 5 * MIN)}&until=${iso(Date.now() + MIN)}`)).body.filter((i: any) => i.source === 'event');
});

afterAll(async () => {
  await server?.stop();
});

describe('spans with a new gen_ai.agent.id', () => {
  it('register the agent, once, by the system, with its numbers', async () => {
    const res = await callApi(server, 'GET', '/api/v1/agents/feed-agent', { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'feed-agent', external_ids: ['feed-agent'], status: 'active', action_count: 5, error_rate: 0.2, organization_id: 'acme' });
    expect(res.body.total_cost_usd).toBeCloseTo(0.06, 6);
    // its newest record: the activity reported after the spans
    expect(res.body.last_seen_at).toBe(activity[1].created_at);
    const list = await callApi(server, 'GET', '/api/v1/agents?per_page=100', { key });
    expect(list.body.data.map((a: any) => a.name).sort()).toEqual(['feed-agent', 'other-agent']);
    // re-sending the same spans registers nothing and counts nothing twice
    await sendSpans(server, key, spans);
    expect((await callApi(server, 'GET', '/api/v1/agents/feed-agent', { key })).body.action_count).toBe(5);
    expect((await callApi(server, 'GET', '/api/v1/agents?per_page=100', { key })).body.pagination.total).toBe(2);
  });

  it('leave a register, a deactivate and an activate lifecycle event with their actors', () => {
    expect(lifecycle.map((i) => [i.event.event_type, i.event.from_state, i.event.to_state, i.event.actor_type])).toEqual([
      ['activate', 'deactivated', 'active', 'api_key'],
      ['deactivate', 'active', 'deactivated', 'api_key'],
      ['register', null, 'active', 'system'],
    ]);
    expect(lifecycle[0].event).toMatchObject({ resource_type: 'agent', provider: 'agent-ledger', resource_name: 'feed-agent', organization_id: 'acme', error: null });
  });
});

describe('GET /api/v1/agents/{agent_id}/actions', () => {
  it('merges lifecycle events, ledger entries and activity events newest first, within the last hour by default', async () => {
    const res = await feed('feed-agent');
    expect(res.status).toBe(200);
    const times = res.body.map((i: any) => Date.parse(i.timestamp));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const logs = res.body.filter((i: any) => i.source === 'log').map((i: any) => i.log);
    // the two activity events, then the four spans of the last hour (not the one two hours ago, not another agent's)
    expect(logs.map((l: any) => l.log_type)).toEqual(['task_completed', 'startup', 'blocked', 'llm_call', 'error', 'agent_run']);
    expect(res.body.filter((i: any) => i.source === 'event')).toHaveLength(3);
    expect(res.body).toHaveLength(9);
    for (const item of res.body) expect(Object.keys(item).sort()).toEqual(['source', 'timestamp', item.source === 'event' ? 'event' : 'log'].sort());
  });

  it('makes each ledger entry one readable log with its details', async () => {
    const logs = (await feed('feed-agent')).body.filter((i: any) => i.source === 'log').map((i: any) => i.log);
    const failed = logs.find((l: any) => l.log_type === 'error');
    expect(failed.message).toBe('send_email failed: Connection timeout');
    expect(failed.instance_id).toBe('worker-7');
    expect(failed.metadata).toMatchObject({
      tool_name: 'send_email',
      arguments: { to: 'ops-desk', subject: 'report' },
      error: 'Connection timeout',
      cost_usd: 0.05,
      duration_ms: 1234,
      run_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(failed.timestamp).toBe(new Date(NOW - 40 * MIN).toISOString().replace('Z', '000Z'));
    const llm = logs.find((l: any) => l.log_type === 'llm_call');
    expect(llm.message).toContain('250 → 1000 tokens');
    expect(llm.instance_id).toBe(llm.metadata.run_id); // no service.instance.id: the run
    expect(logs.find((l: any) => l.log_type === 'blocked').message).toBe('delete_records blocked');
    const startup = logs.find((l: any) => l.log_type === 'startup');
    expect(startup).toMatchObject({ id: activity[0].id, instance_id: 'pod-1', metadata: { source: 'activity', hash: activity[0].hash } });
    for (const l of logs) expect(Date.parse(l.expires_at) - Date.parse(l.timestamp)).toBe(400 * 86_400_000);
  });

  it('honours since, until and limit', async () => {
    const wide = await feed('feed-agent', `?since=${iso(NOW - 3 * 60 * MIN)}`);
    expect(wide.body.filter((i: any) => i.source === 'log' && i.log.log_type === 'tool_call').map((i: any) => i.log.message)).toEqual([expect.stringMatching(/^read_file succeeded/)]);
    const early = await feed('feed-agent', `?since=${iso(NOW - 45 * MIN)}&until=${iso(NOW - 25 * MIN)}`);
    expect(early.body.map((i: any) => i.log?.log_type ?? i.event.event_type)).toEqual(['llm_call', 'error']);
    const inclusive = await feed('feed-agent', `?since=${iso(NOW - 40 * MIN)}&until=${iso(NOW - 30 * MIN)}`);
    expect(inclusive.body).toHaveLength(2);
    // until alone: since is an hour before it
    const lastHourOf = await feed('feed-agent', `?until=${iso(NOW - 60 * MIN)}`);
    expect(lastHourOf.body.map((i: any) => i.log.metadata.action_name)).toEqual(['read_file']);
    const two = await feed('feed-agent', '?limit=2');
    expect(two.body).toHaveLength(2);
    expect(two.body).toEqual((await feed('feed-agent')).body.slice(0, 2));
    expect((await feed('feed-agent', '?limit=500')).status).toBe(200);
    expect((await feed('feed-agent', '?limit=1')).body).toHaveLength(1);
  });

  it.each([
    ['?limit=0', '`limit`'],
    ['?limit=501', '`limit`'],
    ['?limit=ten', '`limit`'],
    ['?since=soon', '`since`'],
    [`?since=${iso(NOW)}&until=${iso(NOW - MIN)}`, '`since`'],
    ['?offset=3', '`offset`'],
  ])('answers %s with a 400 naming the parameter', async (query, name) => {
    const res = await feed('feed-agent', query);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(res.body.error.message).toContain(name);
  });

  it('is a 404 for an agent that does not exist', async () => {
    expect((await feed('nobody')).status).toBe(404);
  });
});
