import { describe, expect, it } from 'vitest';
import { AgentConflictError } from '../../exporters/agent-store.js';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { normalizeOne } from '../helpers/normalize-spans.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient, type FakeHandler, type FakeReply, type SentRequest } from './elasticsearch-fake-client.js';

/**
 * What the agents conformance cases cannot show on one process: the
 * Elasticsearch store's agents under concurrency and failure, on the
 * near-real-time emulator (a 409 is what a cluster answers to a create of a
 * taken id or a stale if_seq_no; the emulator answers the same).
 */
const SYSTEM = { actor_type: 'system' as const, actor_id: null };
const DAY_US = 86_400_000_000;
let n = 0;

function entry(org: string, agent: string, startUs: number, run = 'c'): EntryRecord {
  n++;
  return normalizeOne(
    { 'gen_ai.agent.id': agent, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `tool_${n}` },
    {
      traceId: run.padStart(32, '0'),
      spanId: n.toString(16).padStart(16, 'f'),
      startTimeUnixNano: BigInt(startUs) * 1000n,
      endTimeUnixNano: BigInt(startUs + 500) * 1000n,
    },
    { organizationId: org },
  );
}

/** One emulated cluster; `intercept` may answer a request instead of it. */
function cluster(intercept: (req: SentRequest, emulator: ElasticsearchEmulator) => FakeReply | null = () => null) {
  const emulator = new ElasticsearchEmulator();
  const replies: Array<{ req: SentRequest; reply: FakeReply }> = [];
  const handler: FakeHandler = (req) => {
    const reply = intercept(req, emulator) ?? emulator.handle(req);
    replies.push({ req, reply });
    return reply;
  };
  const open = async (now?: () => number) => {
    const store = await createElasticsearchStore({ node: 'unused', client: fakeClient(handler).client, now });
    await store.credentials.createOrganization({ id: 'o', name: 'o' }).catch(() => undefined);
    return store;
  };
  /** A client on the same cluster, as anyone with access to the indices has. */
  const raw = fakeClient(handler).client;
  return { open, replies, raw };
}

const conflictsOn = (replies: Array<{ req: SentRequest; reply: FakeReply }>, index: string) =>
  replies.filter(({ req, reply }) => req.path === '/_bulk' && (reply.body as any).items?.some((i: any) => i.create?._index === index && i.create.status === 409)).length;

describe('elasticsearch agents: the activity chain under concurrency and failure', () => {
  it('two appenders of one chain collide on the next sequence (409), the loser retries on the new head: one contiguous, valid chain', async () => {
    const { open, replies } = cluster();
    const store = await open();
    const agent = await store.agents.registerAgent({ organization_id: 'o', name: 'bot', external_ids: [] }, SYSTEM);
    const report = (tag: string) => store.agents.reportActivity([0, 1, 2].map((i) => ({ agent_id: agent.id, event_type: 'task_completed', severity: 'info' as const, metadata: { tag, i } })), 'k');
    const [a, b] = await Promise.all([report('a'), report('b')]);
    expect(conflictsOn(replies, 'agent-ledger-activity')).toBeGreaterThan(0);
    expect([...a, ...b].map((e) => e.sequence).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await store.agents.verifyActivityChain(agent.id)).toMatchObject({ valid: true, events_checked: 6, head: { sequence: 6 } });
    const after = (await store.agents.findAgent({ organization_id: 'o' }, agent.id))!;
    expect(after.activity_count).toBe(6);
    // each success once, whoever moved the head over it
    expect(after.trust_breakdown.components.find((c) => c.name === 'successes')!.count).toBeCloseTo(6, 3);
  });

  it('events left past the head by an appender that failed before moving it are adopted once by the next one (trust counted once)', async () => {
    let failHead = true;
    const { open } = cluster((req) => {
      // the first head update after an append fails, as a cluster going away would
      if (failHead && req.method === 'PUT' && req.path.startsWith('/agent-ledger-agents/_doc/') && req.body.chain_length > 0) {
        failHead = false;
        return { status: 503, body: { error: { type: 'unavailable_shards_exception', reason: 'gone' }, status: 503 } };
      }
      return null;
    });
    const store = await open();
    const agent = await store.agents.registerAgent({ organization_id: 'o', name: 'bot', external_ids: [] }, SYSTEM);
    const failed = { agent_id: agent.id, event_type: 'task_failed', severity: 'error' as const, metadata: {} };
    await expect(store.agents.reportActivity([failed], 'k')).rejects.toThrow();
    expect((await store.agents.findAgent({ organization_id: 'o' }, agent.id))!.activity_count).toBe(0);
    const [next] = await store.agents.reportActivity([{ ...failed, event_type: 'startup', severity: 'info' }], 'k');
    expect(next.sequence).toBe(2);
    expect(await store.agents.verifyActivityChain(agent.id)).toMatchObject({ valid: true, events_checked: 2 });
    const after = (await store.agents.findAgent({ organization_id: 'o' }, agent.id))!;
    expect(after.trust_breakdown.components.find((c) => c.name === 'errors')!.count).toBeCloseTo(1, 3);
  });

  it('an appender whose events another one already adopted does not count them again', async () => {
    let adopted = false;
    const { open } = cluster((req, emulator) => {
      if (!adopted && req.method === 'PUT' && req.path.startsWith('/agent-ledger-agents/_doc/') && req.body.chain_length > 0) {
        // another appender moved the head over these events first (with the same result), so this conditional write is stale
        adopted = true;
        emulator.handle(req);
        return { status: 409, body: { error: { type: 'version_conflict_engine_exception', reason: 'seq_no changed' }, status: 409 } };
      }
      return null;
    });
    const store = await open();
    const agent = await store.agents.registerAgent({ organization_id: 'o', name: 'bot', external_ids: [] }, SYSTEM);
    await store.agents.reportActivity([{ agent_id: agent.id, event_type: 'task_completed', severity: 'info', metadata: {} }], 'k');
    expect(adopted).toBe(true);
    const after = (await store.agents.findAgent({ organization_id: 'o' }, agent.id))!;
    expect(after.activity_count).toBe(1);
    expect(after.trust_breakdown.components.find((c) => c.name === 'successes')!.count).toBeCloseTo(1, 3);
  });

  it('a stored event changed afterwards breaks verification at its sequence, as on SQLite', async () => {
    const { open, raw } = cluster();
    const store = await open();
    const agent = await store.agents.registerAgent({ organization_id: 'o', name: 'bot', external_ids: [] }, SYSTEM);
    const events = await store.agents.reportActivity([1, 2, 3].map((i) => ({ agent_id: agent.id, event_type: 'step', severity: 'info' as const, metadata: { i } })), 'k');
    // tamper through the cluster's own API, as someone with write access to the index could
    const id = `${agent.id}/2`;
    const doc = (await raw.get<Record<string, unknown>>({ index: 'agent-ledger-activity', id }))._source!;
    await raw.index({ index: 'agent-ledger-activity', id, document: { ...doc, metadata: JSON.stringify({ i: 20 }) } });
    expect(await store.agents.verifyActivityChain(agent.id)).toMatchObject({
      valid: false, events_checked: 1, first_broken: { sequence: 2, event_id: events[1].id, reason: 'hash_mismatch', found: events[1].hash },
    });
  });
});

describe('elasticsearch agents: registration', () => {
  it('two writers naming a new agent at once register it once and count every entry', async () => {
    const { open } = cluster();
    const [one, two] = [await open(), await open()];
    const now = Date.now() * 1000;
    await Promise.all([
      one.ledger.write([entry('o', 'newbie', now), entry('o', 'newbie', now + 1)]),
      two.ledger.write([entry('o', 'newbie', now + 2)]),
    ]);
    await one.refresh();
    const page = await one.agents.listAgents({ scope: { organization_id: 'o' }, page: 1, per_page: 10 });
    expect(page.data.map((a) => [a.name, a.action_count])).toEqual([['newbie', 3]]);
  });

  it('a log line registers its agent and moves its last-seen time but is no action (as on SQLite: exporters/agent-deltas.ts)', async () => {
    const { open } = cluster();
    const store = await open();
    const now = Date.now() * 1000;
    const log = { ...entry('o', 'logger', now + 5), kind: 'log' as const, outcome: 'error' as const };
    await store.ledger.write([entry('o', 'logger', now), log]);
    await store.refresh();
    const [agent] = (await store.agents.listAgents({ scope: { organization_id: 'o' }, page: 1, per_page: 10 })).data;
    expect([agent.name, agent.action_count, agent.error_rate]).toEqual(['logger', 1, 0]);
    expect(Date.parse(agent.last_seen_at!)).toBe(Math.floor((now + 5) / 1000));
  });

  it('refuses an external id another agent holds, leaving no agent, key or ASN behind', async () => {
    const { open, raw } = cluster();
    const store = await open();
    await store.agents.registerAgent({ organization_id: 'o', name: 'first', external_ids: ['shared'] }, SYSTEM);
    await expect(store.agents.registerAgent({ organization_id: 'o', name: 'second', external_ids: ['own', 'shared'] }, SYSTEM)).rejects.toBeInstanceOf(AgentConflictError);
    await store.refresh();
    expect((await store.agents.listAgents({ scope: { organization_id: 'o' }, page: 1, per_page: 10 })).data.map((a) => a.name)).toEqual(['first']);
    expect(await store.agents.findAgent({ organization_id: 'o' }, 'own')).toBeNull();
    expect((await raw.count({ index: 'agent-ledger-agent-keys' })).count).toBe(2); // first's ASN and external id
  });
});

describe('elasticsearch agents: retention', () => {
  it('drops a month index wholly past retention, deletes the expired part of another by query, and rebuilds the runs that lost entries', async () => {
    const { open, replies } = cluster();
    const nowUs = Date.UTC(2026, 5, 15) * 1000;
    const store = await open(() => nowUs);
    await store.agents.setOrganizationPolicy('o', { retention_days: 30 }, true);
    const cutoff = nowUs - 30 * DAY_US;
    await store.ledger.write([
      entry('o', 'bot', Date.UTC(2026, 3, 10) * 1000, 'a'), // April: all past retention
      entry('o', 'bot', cutoff - DAY_US, 'b'), // May, expired
      entry('o', 'bot', cutoff + DAY_US, 'b'), // May, kept
    ]);
    await store.refresh();
    const report = await store.agents.sweepExpired({ now_us: nowUs, batch_size: 100 });
    expect(report).toMatchObject({ entries: 2, runs: 1 });
    expect(replies.some(({ req }) => req.method === 'DELETE' && req.path === '/agent-ledger-entries-2026.04')).toBe(true);
    expect(replies.some(({ req }) => req.path === '/agent-ledger-entries-2026.05/_delete_by_query')).toBe(true);
    await store.refresh();
    const runs = await store.ledger.listRuns({ scope: { organization_id: 'o' }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 10 });
    expect(runs.data.map((r) => [r.trace_id, r.action_count])).toEqual([['b'.padStart(32, '0'), 1]]);
    expect((await store.agents.findAgent({ organization_id: 'o' }, 'bot'))!.action_count).toBe(3);
  });
});
