import http from 'node:http';
import { openApiDocument } from '../../query-api/openapi/document.js';
import type { Operation, Parameter, Reference, Schema } from '../../query-api/openapi/openapi-types.js';
import { callApi, sendSpans, type TestSpan } from './agents-api.js';
import { runCli } from './cli.js';
import type { ServerProcess } from './server-process.js';

/**
 * What the tests hold each operation to, written out here from the seeds and
 * the README (not read from the routes): the scopes any one of which lets a
 * request through, its rate-limit class, whether it is public, and whether a
 * request without a credential is served (the activity seed's public view).
 */
export interface ExpectedAccess {
  scopes: string[];
  rateClass: 'query' | 'export' | 'stats' | 'ingest' | null;
  anonymous?: true;
}

const READ: ExpectedAccess = { scopes: ['read'], rateClass: 'query' };
const ADMIN: ExpectedAccess = { scopes: ['admin'], rateClass: 'query' };
const PUBLIC: ExpectedAccess = { scopes: [], rateClass: null };
const REPORT: ExpectedAccess = { scopes: ['activity:report', 'ingest'], rateClass: 'ingest' };

export const EXPECTED_ACCESS: Record<string, ExpectedAccess> = {
  listLedger: READ,
  getEntityTimeline: READ,
  streamLedger: READ,
  getLedgerStats: { scopes: ['read'], rateClass: 'stats' },
  getLedgerTimeseries: { scopes: ['read'], rateClass: 'stats' },
  exportLedger: { scopes: ['export'], rateClass: 'export' },
  listRuns: READ,
  getRun: READ,
  listTraces: READ,
  getTrace: READ,
  listAgents: READ,
  registerAgent: ADMIN,
  getAgent: READ,
  deactivateAgent: ADMIN,
  activateAgent: ADMIN,
  listAgentActivity: { ...READ, anonymous: true },
  verifyAgentActivity: READ,
  listAgentActions: READ,
  reportActivity: REPORT,
  reportActivityBatch: REPORT,
  listSavedSearches: READ,
  saveSearch: ADMIN,
  getSavedSearch: READ,
  deleteSavedSearch: ADMIN,
  runSavedSearch: READ,
  exportSavedSearch: { scopes: ['export'], rateClass: 'export' },
  getHealth: PUBLIC,
  getReadiness: PUBLIC,
  getOpenApiDocument: PUBLIC,
};

/** Rate limits that name their class: a response's RateLimit-Limit says which budget it was charged to. */
export const CLASS_LIMITS = { query: 100_001, export: 100_002, stats: 100_003, ingest: 100_004 } as const;
export const CLASS_LIMIT_ENV = {
  AGENT_LEDGER_RATE_LIMITS_QUERY_PER_HOUR: String(CLASS_LIMITS.query),
  AGENT_LEDGER_RATE_LIMITS_EXPORT_PER_HOUR: String(CLASS_LIMITS.export),
  AGENT_LEDGER_RATE_LIMITS_STATS_PER_HOUR: String(CLASS_LIMITS.stats),
  AGENT_LEDGER_RATE_LIMITS_INGEST_PER_HOUR: String(CLASS_LIMITS.ingest),
};

export interface DocumentedOperation {
  operationId: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** The OpenAPI template, e.g. /api/v1/agents/{agent_id}/activity. */
  path: string;
  params: Parameter[];
  /** The request body's schema component, for POST operations that take one. */
  bodySchema: Schema | null;
}

const deref = (p: Parameter | Reference): Parameter => ('$ref' in p ? openApiDocument.components.parameters[p.$ref.split('/').pop()!] : p);
const schemaOf = (s: Schema): Schema => (s.$ref ? openApiDocument.components.schemas[s.$ref.split('/').pop()!] : s);

/** Every operation of the OpenAPI document the server serves. */
export function documentedOperations(): DocumentedOperation[] {
  return Object.entries(openApiDocument.paths).flatMap(([path, item]) =>
    (['get', 'post', 'delete'] as const)
      .filter((m) => item[m] !== undefined)
      .map((m) => {
        const op = item[m] as Operation;
        const body = op.requestBody?.content['application/json']?.schema;
        return {
          operationId: op.operationId,
          method: m.toUpperCase() as 'GET' | 'POST' | 'DELETE',
          path,
          params: [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref),
          bodySchema: body ? schemaOf(body) : null,
        };
      }),
  );
}

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined. */
  body: any;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * One request with its path sent exactly as given: fetch and URL would
 * resolve `.` and `..` segments and re-encode, which is what an attacker's
 * client need not do.
 */
export function rawRequest(
  base: string,
  method: string,
  path: string,
  options: { key?: string | null; body?: string | Buffer; contentType?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.Authorization = `Bearer ${options.key}`;
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers, agent }, (res) => {
      // an event stream never ends by itself: its head and first bytes are the answer
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.once('data', (c: Buffer) => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: c.toString('utf8'), body: undefined });
          req.destroy();
        });
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '', body: undefined }));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const capitalise = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);
const encodeFirst = (s: string) => `%${s.charCodeAt(0).toString(16).toUpperCase()}${s.slice(1)}`;

/** Respellings of a concrete path; `literal` is the index of its last literal (not parameter) segment. */
export const SPELLINGS: Array<[string, (segs: string[], literal: number) => string]> = [
  ['a trailing slash', (s) => `/${s.join('/')}/`],
  ['upper case', (s) => `/${s.join('/')}`.toUpperCase()],
  ['a capitalised first segment', (s) => `/${[capitalise(s[0]), ...s.slice(1)].join('/')}`],
  ['a capitalised last literal segment', (s, l) => `/${s.map((x, i) => (i === l ? capitalise(x) : x)).join('/')}`],
  ['a doubled leading slash', (s) => `//${s.join('/')}`],
  ['a doubled inner slash', (s) => `/${s.slice(0, -1).join('/')}${s.length > 1 ? '//' : '/'}${s.at(-1)}`],
  ['a percent-encoded letter', (s, l) => `/${s.map((x, i) => (i === l ? encodeFirst(x) : x)).join('/')}`],
  ['a percent-encoded letter in the first segment', (s) => `/${[encodeFirst(s[0]), ...s.slice(1)].join('/')}`],
  ['an encoded slash %2F', (s) => (s.length > 1 ? `/${s.slice(0, -1).join('/')}%2F${s.at(-1)}` : `/%2F${s[0]}`)],
  ['an encoded slash %2f', (s) => (s.length > 1 ? `/${s[0]}%2f${s.slice(1).join('/')}` : `/%2f${s[0]}`)],
  ['a trailing %2F', (s) => `/${s.join('/')}%2F`],
  [';params at the end', (s) => `/${s.join('/')};jsessionid=1`],
  [';params in a segment', (s, l) => `/${s.map((x, i) => (i === l ? `${x};v=1` : x)).join('/')}`],
  ['a /./ segment', (s) => `/${[...s.slice(0, -1), '.', s.at(-1)].join('/')}`],
  ['a /../ segment', (s) => `/${[...s.slice(0, -1), 'zz', '..', s.at(-1)].join('/')}`],
  ['a trailing /.', (s) => `/${s.join('/')}/.`],
  ['an encoded dot segment', (s) => `/${[...s.slice(0, -1), '%2e', s.at(-1)].join('/')}`],
];

/** The credentials every route is tried with. */
export const CREDENTIALS = ['none', 'read', 'export', 'admin', 'ingest', 'report', 'user', 'acmeAll', 'otherAdmin'] as const;
export type CredentialName = (typeof CREDENTIALS)[number];

/** Scopes of each credential (as created by seedTwoOrgs); `none` has none. */
export const CREDENTIAL_SCOPES: Record<CredentialName, string[]> = {
  none: [],
  read: ['read'],
  export: ['export'],
  admin: ['admin'],
  ingest: ['ingest'],
  report: ['activity:report'],
  user: ['read', 'export'],
  acmeAll: ['ingest', 'read', 'export', 'admin', 'activity:report'],
  otherAdmin: ['ingest', 'read', 'export', 'admin', 'activity:report'],
};

export interface World {
  keys: Record<CredentialName, string | null>;
  /** Markers in the data of each organization: one never appears in an answer to the other. */
  acmeMarker: string;
  globexMarker: string;
  acme: { traceId: string; runId: string; agentAsn: string; agentId: string; toggleAsn: string; searchId: string; deletableSearchId: string };
  globex: { traceId: string; runId: string; agentAsn: string; agentId: string; searchId: string };
}

const runIdOf = (traceId: string) => traceId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/**
 * Two organizations, acme and globex, each with a run of spans (carrying a
 * marker of its own), an agent and activity events; acme has a second agent
 * that (de)activation requests may toggle. Keys of every kind in CREDENTIALS.
 */
export async function seedTwoOrgs(server: ServerProcess): Promise<World> {
  for (const org of ['acme', 'globex']) runCli(server.dataDir, ['orgs', 'create', org]);
  const key = (org: string, scopes: string, role = 'admin', user?: string) =>
    runCli(server.dataDir, ['keys', 'create', '--org', org, '--role', role, '--scopes', scopes, ...(user ? ['--user', user] : [])]).trim();
  const keys: Record<CredentialName, string | null> = {
    none: null,
    read: key('acme', 'read'),
    export: key('acme', 'export'),
    admin: key('acme', 'admin'),
    ingest: key('acme', 'ingest'),
    report: key('acme', 'activity:report'),
    user: key('acme', 'read,export', 'user', 'alice'),
    acmeAll: key('acme', CREDENTIAL_SCOPES.acmeAll.join(',')),
    otherAdmin: key('globex', CREDENTIAL_SCOPES.otherAdmin.join(',')),
  };
  const acmeMarker = 'acmemarkerq7z';
  const globexMarker = 'globexmarkerk3w';
  const at = Date.now() - 60_000;
  const span = (org: string, traceId: string, spanId: string, marker: string, extra: Partial<TestSpan> = {}): TestSpan => ({
    agent: `${org}-bot`,
    name: `${marker}-action`,
    atMs: at,
    traceId,
    spanId,
    attributes: [
      { key: 'user.id', value: { stringValue: 'alice' } },
      { key: 'ledger.inputs', value: { stringValue: JSON.stringify({ note: marker }) } },
      { key: 'ledger.cost_usd', value: { doubleValue: 0.25 } },
    ],
    ...extra,
  });
  const acmeTrace = 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a1';
  const globexTrace = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b1';
  await sendSpans(server, keys.acmeAll!, [span('acme', acmeTrace, 'a0a0a0a0a0a0a0a1', acmeMarker), span('acme', acmeTrace, 'a0a0a0a0a0a0a0a2', acmeMarker, { error: 'boom' })]);
  await sendSpans(server, keys.otherAdmin!, [span('globex', globexTrace, 'b0b0b0b0b0b0b0b1', globexMarker)]);
  const agentOf = async (key: string, ref: string) => {
    for (let i = 0; i < 100; i++) {
      const res = await callApi(server, 'GET', `/api/v1/agents/${ref}`, { key });
      if (res.status === 200) return res.body as { id: string; asn: string };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`agent ${ref} never appeared`);
  };
  const acmeBot = await agentOf(keys.acmeAll!, 'acme-bot');
  const globexBot = await agentOf(keys.otherAdmin!, 'globex-bot');
  const toggle = await callApi(server, 'POST', '/api/v1/agents', { key: keys.acmeAll, body: { name: 'toggle', external_ids: ['acme-toggle'] } });
  if (toggle.status !== 201) throw new Error(`register: ${toggle.status}`);
  for (const [key, asn, marker] of [[keys.acmeAll!, acmeBot.asn, acmeMarker], [keys.otherAdmin!, globexBot.asn, globexMarker]]) {
    const res = await callApi(server, 'POST', '/api/v1/activity/report', { key, body: { asn, event_type: 'task_completed', metadata: { note: marker } } });
    if (res.status !== 201) throw new Error(`report: ${res.status} ${JSON.stringify(res.body)}`);
  }
  // saved searches whose query finds each organization's marker; acme has a second one that DELETE requests may remove
  const save = async (key: string, name: string, query: string) => {
    const res = await callApi(server, 'POST', '/api/v1/searches', { key, body: { name, query } });
    if (res.status !== 201) throw new Error(`save search: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const acmeSearch = await save(keys.acmeAll!, `${acmeMarker} search`, acmeMarker);
  const acmeDeletable = await save(keys.acmeAll!, `${acmeMarker} deletable`, acmeMarker);
  const globexSearch = await save(keys.otherAdmin!, `${globexMarker} search`, globexMarker);
  // the runs must be readable before the tests compare answers
  for (let i = 0; i < 100; i++) {
    const res = await callApi(server, 'GET', `/api/v1/runs/${runIdOf(acmeTrace)}`, { key: keys.acmeAll });
    const other = await callApi(server, 'GET', `/api/v1/runs/${runIdOf(globexTrace)}`, { key: keys.otherAdmin });
    if (res.status === 200 && other.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    keys,
    acmeMarker,
    globexMarker,
    acme: {
      traceId: acmeTrace, runId: runIdOf(acmeTrace), agentAsn: acmeBot.asn, agentId: acmeBot.id, toggleAsn: toggle.body.asn,
      searchId: acmeSearch, deletableSearchId: acmeDeletable,
    },
    globex: { traceId: globexTrace, runId: runIdOf(globexTrace), agentAsn: globexBot.asn, agentId: globexBot.id, searchId: globexSearch },
  };
}

/** The operation's path with acme's ids in it (the toggle agent for (de)activation, so reports keep their agent active). */
export function acmePath(op: DocumentedOperation, world: World): string {
  const agent = op.operationId === 'deactivateAgent' || op.operationId === 'activateAgent' ? world.acme.toggleAsn : world.acme.agentAsn;
  const search = op.operationId === 'deleteSavedSearch' ? world.acme.deletableSearchId : world.acme.searchId;
  // the timeline of acme's run: another organization's credential finds none of it
  const values: Record<string, string> = {
    run_id: world.acme.runId, tenantId: 'acme', traceId: world.acme.traceId, agent_id: agent, type: 'run', value: world.acme.runId, search_id: search,
  };
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no value for path parameter ${name} of ${op.operationId}`);
    return encodeURIComponent(values[name]);
  });
}

/** A valid body for acme's POST operations. */
export function acmeBody(op: DocumentedOperation, world: World): string | undefined {
  switch (op.operationId) {
    case 'registerAgent':
      return JSON.stringify({ name: 'registered-by-test' });
    case 'reportActivity':
      return JSON.stringify({ asn: world.acme.agentAsn, event_type: 'probe', metadata: { note: 'probe' } });
    case 'reportActivityBatch':
      return JSON.stringify({ events: [{ asn: world.acme.agentAsn, event_type: 'probe' }] });
    case 'saveSearch':
      // no marker: the body is the caller's own, and its answer echoes it
      return JSON.stringify({ name: 'saved-by-test', query: 'kind:tool OR kind:llm', filters: { agent_id: 'acme-bot' } });
    default:
      return undefined;
  }
}
