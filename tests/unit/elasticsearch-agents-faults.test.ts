import { errors } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../auth/authenticator.js';
import { createRateLimiter } from '../../auth/rate-limit/index.js';
import { DAY_US } from '../../exporters/agent-store.js';
import { ACTIVITY_MAPPINGS } from '../../exporters/elasticsearch/agents-indices.js';
import { MAPPING_VERSION } from '../../exporters/elasticsearch/mappings.js';
import { createElasticsearchStore, type ElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { StoreUnavailableError, type CredentialStore, type LedgerStore } from '../../exporters/store.js';
import { createQueryApi } from '../../query-api/query-api.js';
import { normalizeOne } from '../helpers/normalize-spans.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient, type FakeReply, type SentRequest } from './elasticsearch-fake-client.js';

/**
 * The agents side of the Elasticsearch store on a failing cluster: its reads
 * are as whole as the ledger's (search-guard.ts: no partial answer, a
 * cluster failure is the API's 503), and retention also prunes the runs
 * markers (run-markers.ts) of the entries it removed. On the in-memory
 * emulator with injected faults, NOT a real cluster.
 */
const ORG = 'o';
const SYSTEM = { actor_type: 'system' as const, actor_id: null };
let n = 0;

function entry(agent: string, startUs: number) {
  n++;
  return normalizeOne(
    { 'gen_ai.agent.id': agent, 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': `tool_${n}` },
    { traceId: n.toString(16).padStart(32, 'c'), spanId: n.toString(16).padStart(16, 'd'), startTimeUnixNano: BigInt(startUs) * 1000n, endTimeUnixNano: BigInt(startUs + 500) * 1000n },
    { organizationId: ORG },
  );
}

type Override = (req: SentRequest) => FakeReply | null;

async function emulated(now?: () => number) {
  const emulator = new ElasticsearchEmulator();
  let override: Override = () => null;
  const store = await createElasticsearchStore({ node: 'unused', client: fakeClient((req) => override(req) ?? emulator.handle(req)).client, now });
  await store.credentials.createOrganization({ id: ORG, name: ORG });
  const nowUs = Date.now() * 1000;
  await store.ledger.write([entry('bot', nowUs - 2000), entry('bot', nowUs - 1000)]);
  const agent = (await store.agents.findAgent({ organization_id: ORG }, 'bot'))!;
  await store.agents.reportActivity([{ agent_id: agent.id, event_type: 'incident', severity: 'warning', metadata: { n: 1 } }], 'test');
  await store.refresh();
  return { emulator, store, agent, fail: (o: Override) => (override = o) };
}

/** Every agents read the query API makes that searches (verification reads by realtime get, which a shard failure does not cut short). */
function agentReads(store: ElasticsearchStore, agentId: string): Array<[string, () => Promise<unknown>]> {
  const scope = { organization_id: ORG };
  return [
    ['list', () => store.agents.listAgents({ scope, page: 1, per_page: 10 })],
    ['by external id, every organization', () => store.agents.findAgent({ organization_id: null }, 'bot')],
    ['activity', () => store.agents.listActivity({ agent_id: agentId, page: 1, per_page: 10 })],
    ['actions feed', () => store.agents.listAgentActions({ agent_id: agentId, scope, since_us: 0, until_us: Number.MAX_SAFE_INTEGER, limit: 10 })],
  ];
}

describe('elasticsearch agents reads on a cluster that answers in part (emulated)', () => {
  it('answer whole when the cluster is whole', async () => {
    const { store, agent } = await emulated();
    const [list, found, activity, feed] = await Promise.all(agentReads(store, agent.id).map(([, read]) => read()));
    expect(list).toMatchObject({ total: 1, data: [{ id: agent.id }] });
    expect(found).toMatchObject({ id: agent.id });
    expect(activity).toMatchObject({ total: 1 });
    // its registration event, then its two entries and the report ("log" items)
    expect((feed as Array<{ source: string }>).map((i) => i.source).sort()).toEqual(['event', 'log', 'log', 'log']);
  });

  it('a failed shard or a timed-out search: every agents read is refused (StoreUnavailableError), none answers in part', async () => {
    const { emulator, store, agent } = await emulated();
    emulator.reads.faults.shardFailures = 1;
    for (const [name, read] of agentReads(store, agent.id)) await expect(read(), name).rejects.toBeInstanceOf(StoreUnavailableError);
    emulator.reads.faults.shardFailures = 0;
    emulator.reads.faults.timedOut = true;
    for (const [name, read] of agentReads(store, agent.id)) await expect(read(), name).rejects.toThrow(/timed out; refusing a partial answer/);
  });

  it('an unreachable cluster reaches a client of the agents routes as 503 with Retry-After', async () => {
    const { store, agent, fail } = await emulated();
    const logger = pino({ level: 'info' }, new Writable({ write: (_c, _e, done) => done() }));
    const noCalls = new Proxy({}, { get: () => () => Promise.reject(new Error('the credential store must not be called')) });
    const api = createQueryApi({
      host: '127.0.0.1', port: 0, ledger: store.ledger as LedgerStore, logger,
      authenticator: createAuthenticator({ store: noCalls as CredentialStore, pepper: 'p', jwt: null, cacheSeconds: 0, anonymousOrganization: ORG }),
      rateLimiter: createRateLimiter({ limits: { query_per_hour: 1e9, export_per_hour: 1e9, stats_per_hour: 1e9, ingest_per_hour: 1e9 }, redisUrl: null }),
      readiness: [], redaction: null, agents: { agents: store.agents, redaction: null, maxMetadataBytes: 1024 },
    });
    await api.start();
    try {
      const paths = ['/api/v1/agents', `/api/v1/agents/${agent.id}`, `/api/v1/agents/${agent.id}/activity`, `/api/v1/agents/${agent.id}/activity/verify`, `/api/v1/agents/${agent.id}/actions`];
      for (const path of paths) expect((await fetch(`http://127.0.0.1:${api.port()}${path}`)).status, path).toBe(200);
      fail(() => {
        throw new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200');
      });
      for (const path of paths) {
        const res = await fetch(`http://127.0.0.1:${api.port()}${path}`);
        expect(res.status, path).toBe(503);
        expect(res.headers.get('retry-after'), path).toBe('5');
        expect(await res.json(), path).toEqual({ error: { code: 'INTERNAL', message: 'elasticsearch is unavailable: cannot connect to the cluster' } });
      }
    } finally {
      await api.close();
    }
  });
});

describe('elasticsearch retention and the runs markers', () => {
  const markers = async (emulator: ElasticsearchEmulator) => {
    const { client } = fakeClient(emulator.handle);
    await client.indices.refresh({ index: 'agent-ledger-run-applied' });
    return (await client.count({ index: 'agent-ledger-run-applied' })).count;
  };

  it('keeps markers younger than the longest retention plus a month, prunes older ones with their entries', async () => {
    let nowUs = Date.now() * 1000;
    const { emulator, store } = await emulated(() => nowUs);
    const written = await markers(emulator);
    expect(written).toBeGreaterThan(0);
    // the default retention (400 days) is the longest: the entries go at 400 days, their markers a month and a day later
    nowUs += 402 * DAY_US;
    const first = await store.agents.sweepExpired({ now_us: nowUs, batch_size: 100 });
    expect(first.entries).toBe(2);
    expect(await markers(emulator)).toBe(written);
    nowUs += 31 * DAY_US;
    await store.agents.sweepExpired({ now_us: nowUs, batch_size: 100 });
    expect(await markers(emulator)).toBe(0);
  });
});

describe('elasticsearch retention under pressure', () => {
  it('a sweep bulk answered 429 as a whole is retried with backoff, as the ledger\'s writes are', async () => {
    let nowUs = Date.now() * 1000;
    const { emulator, store } = await emulated(() => nowUs);
    await store.agents.setOrganizationPolicy(ORG, { retention_days: 30 }, true);
    nowUs += 31 * DAY_US;
    // the sweep's first bulk (its run deletes) refused as a whole once
    emulator.pressure.rejectBulks = 1;
    const report = await store.agents.sweepExpired({ now_us: nowUs, batch_size: 100 });
    expect(emulator.pressure.rejectBulks).toBe(0);
    // each entry was its own run, and both are gone
    expect(report).toMatchObject({ entries: 2, activity_events: 1, runs: 2 });
  });
});

describe('elasticsearch agent indices and mapping versions', () => {
  it('an agent index an older release created gets this release\'s fields at start-up, as the ledger\'s indices do', async () => {
    const emulator = new ElasticsearchEmulator();
    // an activity index of before mapping versions, without `reported_by`
    const { reported_by: _dropped, ...older } = ACTIVITY_MAPPINGS.properties!;
    emulator.createIndexWithMapping('agent-ledger-activity', { dynamic: 'strict', properties: older } as never);
    const { client: raw } = fakeClient(emulator.handle);
    await expect(raw.index({ index: 'agent-ledger-activity', id: 'probe', document: { reported_by: 'x' } })).rejects.toThrow(/strict_dynamic_mapping_exception/);

    const store = await createElasticsearchStore({ node: 'unused', client: fakeClient(emulator.handle).client });
    expect(emulator.mappingOf('agent-ledger-activity')?._meta).toMatchObject({ mapping_version: MAPPING_VERSION });
    expect(emulator.mappingOf('agent-ledger-agents')?._meta).toMatchObject({ mapping_version: MAPPING_VERSION });
    await store.credentials.createOrganization({ id: ORG, name: ORG });
    await store.ledger.write([entry('migrated', Date.now() * 1000)]);
    const agent = (await store.agents.findAgent({ organization_id: ORG }, 'migrated'))!;
    const [event] = await store.agents.reportActivity([{ agent_id: agent.id, event_type: 'note', severity: 'info', metadata: {} }], 'test');
    expect(event.reported_by).toBe('test');
  });
});
