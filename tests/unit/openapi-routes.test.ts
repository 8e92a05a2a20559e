import type { SavedSearchStore } from '../../exporters/saved-search-store.js';
import type Router from '@koa/router';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialStore, LedgerStats, LedgerStore, LedgerTail } from '../../exporters/store.js';
import { openApiDocument } from '../../query-api/openapi/document.js';
import type { Operation, Parameter, Reference } from '../../query-api/openapi/openapi-types.js';
import { createQueryApi, type QueryApi } from '../../query-api/query-api.js';
import { createAuthenticator } from '../../auth/authenticator.js';
import { createRateLimiter } from '../../auth/rate-limit/index.js';
import type { AgentStore } from '../../exporters/agent-store.js';
import { EMPTY_TRUST_STATE, trustBreakdown } from '../../model/trust-score.js';

/**
 * The document against the app itself (the real routers, an empty store):
 * the same operations, the same accepted parameters, the same bounds.
 */

const EMPTY_STATS: LedgerStats = {
  total_actions: 0, total_cost_usd: 0, success_count: 0, error_count: 0, blocked_count: 0, average_duration_ms: 0,
  unique_agents: 0, unique_action_types: 0, p50_duration_ms: null, p95_duration_ms: null, percentiles_relative_error: 0.01,
  top_actions: [], top_agents: [],
};

const emptyLedger: LedgerStore = {
  write: async () => ({ inserted: 0 }),
  writeLogMessages: async () => undefined,
  queryLedger: async () => ({ data: [], count: 0, next: null }),
  exportLedger: async function* () {},
  stats: async () => EMPTY_STATS,
  timeseries: async () => [],
  listRuns: async () => ({ data: [], count: 0 }),
  getRun: async () => null,
  timelineSummary: async () => ({ count: 0, first_seen_us: null, last_seen_us: null, by_agent: [], by_day: [] }),
};

const noCredentials: CredentialStore = {
  createOrganization: async () => {
    throw new Error('not used');
  },
  getOrganization: async () => null,
  listOrganizations: async () => [],
  createApiKey: async () => {},
  findApiKeysByPrefix: async () => [],
  listApiKeys: async () => [],
  revokeApiKey: async () => false,
  countApiKeys: async () => 0,
};

/** No agents at all: every agent path is a 404, a registration echoes a made-up agent. */
const emptyAgents: AgentStore = {
  registerAgent: async (input) => ({
    id: '00000000-0000-4000-8000-000000000000', asn: 'ASN-2026-0384-7721-G', name: input.name, organization_id: input.organization_id,
    status: 'active', external_ids: input.external_ids, created_at: '2026-01-01T00:00:00.000000Z', last_seen_at: null, action_count: 0,
    total_cost_usd: 0, error_rate: 0, activity_count: 0, trust_score: 50,
    trust_breakdown: trustBreakdown(EMPTY_TRUST_STATE, 0, 30),
  }),
  findAgent: async () => null,
  listAgents: async () => ({ data: [], total: 0 }),
  setAgentStatus: async () => {
    throw new Error('not used');
  },
  reportActivity: async () => [],
  listActivity: async () => ({ data: [], total: 0 }),
  verifyActivityChain: async () => {
    throw new Error('not used');
  },
  listAgentActions: async () => [],
  getOrganizationPolicy: async () => ({ retention_days: 400, public_activity: true }),
  setOrganizationPolicy: async () => ({ retention_days: 400, public_activity: true }),
  sweepExpired: async () => ({ entries: 0, activity_events: 0, lifecycle_events: 0, runs: 0 }),
};

/** One saved search, the one the document's example id names (so its runs go as far as the ledger); saves are kept nowhere. */
const noSearches: SavedSearchStore = {
  createSavedSearch: async () => undefined,
  getSavedSearch: async (organization_id, id) =>
    id === openApiDocument.components.parameters.SearchIdPath.example
      ? { id, organization_id, name: 'n', description: null, query: 'kind:llm', filters: { outcome: 'error' }, owner: { actor_type: 'system', actor_id: null }, created_at: '2025-01-01T00:00:00.000000Z' }
      : null,
  listSavedSearches: async () => ({ data: [], total: 0 }),
  deleteSavedSearch: async () => false,
};

/** A ledger with no entries yet, in ingest order. */
const emptyTail: LedgerTail = { head: () => new Map(), read: () => [], encode: () => 'AQ', decode: (t) => (t === 'AQ' ? new Map() : null) };

let api: QueryApi;
let base: string;

beforeAll(async () => {
  api = createQueryApi({
    host: '127.0.0.1',
    port: 0,
    ledger: emptyLedger,
    logger: pino({ level: 'silent' }),
    authenticator: createAuthenticator({ store: noCredentials, pepper: 'p', jwt: null, cacheSeconds: 0, anonymousOrganization: 'default' }),
    rateLimiter: createRateLimiter({ limits: { query_per_hour: 1e9, export_per_hour: 1e9, stats_per_hour: 1e9, ingest_per_hour: 1e9 }, redisUrl: null }),
    readiness: [],
    agents: { agents: emptyAgents, redaction: null, maxMetadataBytes: 16384 },
    searches: noSearches,
    redaction: null,
    stream: { tail: emptyTail, settings: { max_per_credential: 1e6, max_clients: 1e6, poll_ms: 1000, heartbeat_ms: 15_000, max_buffer_bytes: 1 << 20, max_replay_rows: 200_000 } },
  });
  await api.start();
  base = `http://127.0.0.1:${api.port()}`;
});

afterAll(async () => {
  await api?.close();
});

interface DocumentedOperation {
  path: string;
  method: 'GET' | 'POST' | 'DELETE';
  op: Operation;
  params: Parameter[];
}

const deref = (p: Parameter | Reference): Parameter => ('$ref' in p ? openApiDocument.components.parameters[p.$ref.split('/').pop()!] : p);

const documented: DocumentedOperation[] = Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
  (['get', 'post', 'delete'] as const)
    .filter((m) => item[m] !== undefined)
    .map((m) => ({
      path,
      method: m.toUpperCase() as 'GET' | 'POST' | 'DELETE',
      op: item[m]!,
      params: [...(item.parameters ?? []), ...(item[m]!.parameters ?? [])].map(deref),
    })),
);

/** The documented example of an operation's request body (its schema component's first example), if it takes one. */
function exampleBody(d: DocumentedOperation): string | undefined {
  const schema = d.op.requestBody?.content['application/json']?.schema;
  if (!schema?.$ref) return undefined;
  return JSON.stringify(openApiDocument.components.schemas[schema.$ref.split('/').pop()!].examples?.[0]);
}

/** A concrete URL for an operation: path parameters from their examples, then the query. */
function url(d: DocumentedOperation, query: Record<string, string>): string {
  let path = d.path;
  for (const p of d.params.filter((x) => x.in === 'path')) path = path.replace(`{${p.name}}`, encodeURIComponent(String(p.example)));
  const qs = new URLSearchParams(query).toString();
  return `${base}${path}${qs ? `?${qs}` : ''}`;
}

async function get(d: DocumentedOperation, query: Record<string, string>) {
  const body = exampleBody(d);
  const res = await fetch(url(d, query), { method: d.method, body, headers: body ? { 'Content-Type': 'application/json' } : {} });
  // an event stream never ends by itself: its status and headers are the answer
  if (res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, body: '' as any };
  }
  const text = await res.text();
  // Exports answer files; only errors and JSON answers are read.
  return { status: res.status, body: (res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as any };
}

describe('the document and the app', () => {
  it('list the same operations', () => {
    const routers = api.app.middleware.map((m) => (m as { router?: Router }).router).filter((r): r is Router => r !== undefined);
    const routed = routers
      .flatMap((r) => r.stack)
      .flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`))
      .sort();
    const inDocument = Object.entries(openApiDocument.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((k) => k !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(inDocument).toEqual(routed);
  });
});

describe.each(documented.map((d) => [d.op.operationId, d] as const))('%s', (_id, d) => {
  const query = d.params.filter((p) => p.in === 'query');

  // parseQuery names every accepted parameter when it refuses an unknown one.
  it('documents exactly the query parameters the route accepts', async () => {
    const { status, body } = await get(d, { not_a_parameter: '1' });
    if (status !== 400) {
      expect(query, 'a route that ignores unknown parameters documents none').toEqual([]);
      return;
    }
    const allowed = /allowed: (.*)$/.exec(body.error.message)?.[1] ?? '';
    expect(query.map((p) => p.name).sort()).toEqual(allowed.split(', ').filter(Boolean).sort());
  });

  it('accepts every documented example, alone and all together', async () => {
    // an opaque cursor is valid only as the API handed it out (and for the filters it was made for): it alone has no example
    const examples = Object.fromEntries(query.filter((p) => !(p.example === undefined && p.name === 'cursor')).map((p) => [p.name, String(p.example)]));
    for (const [name, value] of Object.entries(examples)) expect((await get(d, { [name]: value })).status, name).not.toBe(400);
    expect((await get(d, examples)).status).not.toBe(400);
  });

  it.each(d.params.filter((p) => p.in === 'path' && p.schema.pattern).map((p) => [p.name, p] as const))(
    'refuses a %s outside its documented pattern, naming it',
    async (name, p) => {
      const broken = { ...d, params: d.params.map((x) => (x === p ? { ...x, example: 'not-an-id' } : x)) };
      const { status, body } = await get(broken, {});
      expect(status).toBe(400);
      expect(body.error.message).toContain(`\`${name}\``);
    },
  );

  it.each(query.map((p) => [p.name, p] as const))('keeps the documented bounds of %s', async (name, p) => {
    const accepted: string[] = [];
    const refused: string[] = [];
    const s = p.schema;
    if (s.type === 'integer') {
      expect(s.maximum, 'every integer parameter has a documented maximum').toBeDefined();
      accepted.push(String(s.minimum));
      refused.push(String(s.minimum! - 1), '1.5', 'x');
      accepted.push(String(s.maximum));
      refused.push(String(s.maximum! + 1));
    }
    if (s.type === 'number') accepted.push('0', '0.25'), refused.push('-1', 'x');
    if (s.enum) accepted.push(...s.enum.map(String)), refused.push('not-a-value');
    if (s.type === 'string' && !s.enum) {
      if (s.minLength === 1) refused.push('');
      if (s.pattern) refused.push('not-an-id');
      else {
        expect(s.maxLength, 'every free-text parameter has a documented maxLength').toBeDefined();
        // a query's longest is a field clause: the live stream refuses bare words, as it refuses `q`
        const filler = (n: number) => (name === 'query' ? `name:${'x'.repeat(n - 5)}` : 'x'.repeat(n));
        accepted.push(filler(s.maxLength!));
        refused.push(filler(s.maxLength! + 1));
      }
    }
    if (s.anyOf) accepted.push('2024-12-01', '2024-12-01T10:30:00.123456Z', '2024-12-01T10:30:00+02:00'), refused.push('soon', '2025-02-30');
    expect(accepted.length + refused.length, 'a parameter kind this test does not know').toBeGreaterThan(0);
    for (const value of accepted) expect((await get(d, { [name]: value })).status, `${name}=${value}`).not.toBe(400);
    for (const value of refused) {
      const { status, body } = await get(d, { [name]: value });
      expect(status, `${name}=${value}`).toBe(400);
      expect(body.error.message).toContain(`\`${name}\``);
    }
  });
});
