import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, createKey, ids, sendSpans } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Every agents and activity operation of the served OpenAPI document, called
 * on the compiled server for every status it documents (but 500), each body
 * validated with Ajv against the document's schema for that status. Fixed
 * shapes have additionalProperties: false, so an undocumented field fails.
 * (openapi.e2e.test.ts does the same for the other operations.) Run
 * `npm run build` first.
 */

let server: ServerProcess;
let doc: any;
const keys: Record<string, string> = {};
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
ajvFormats.default(ajv);
const SCHEMAS = 'urn:agent-ledger:openapi';
const seen = new Set<string>();
let agent: any;
let foreign: any;
let dormant: any;

const absoluteRefs = (node: unknown) => JSON.parse(JSON.stringify(node).replace(/"#\/components\/schemas\//g, `"${SCHEMAS}#/$defs/`));

function operation(operationId: string): any {
  for (const item of Object.values(doc.paths) as any[]) for (const op of [item.get, item.post]) if (op?.operationId === operationId) return op;
  throw new Error(`the document has no operation ${operationId}`);
}

const validators = new Map<string, ValidateFunction>();
function validatorFor(operationId: string, status: number): ValidateFunction {
  const key = `${operationId} ${status}`;
  if (!validators.has(key)) {
    let response = operation(operationId).responses[String(status)];
    expect(response, `${operationId} documents no ${status} response`).toBeDefined();
    if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()];
    validators.set(key, ajv.compile(absoluteRefs(response.content['application/json'].schema)));
  }
  return validators.get(key)!;
}

async function call(operationId: string, method: string, path: string, status: number, options: { key?: string | null; body?: unknown } = {}): Promise<any> {
  const res = await callApi(server, method, path, { key: keys.admin, ...options });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const validate = validatorFor(operationId, status);
  const errors = () => (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n');
  expect(validate(res.body), `${operationId} ${path}:\n${errors()}`).toBe(true);
  seen.add(`${operationId} ${status}`);
  return res.body;
}

beforeAll(async () => {
  server = await startServerProcess();
  keys.admin = createKey(server, 'acme', 'admin,read,ingest');
  keys.reader = createKey(server, 'acme', 'read');
  keys.globex = createKey(server, 'globex', 'admin,read,ingest');
  doc = (await server.get('/api/v1/openapi.json')).body;
  ajv.addSchema({ $id: SCHEMAS, $defs: absoluteRefs(doc.components.schemas) });
  const now = Date.now();
  await sendSpans(server, keys.admin, [
    { agent: 'doc-agent', name: 'send_email', atMs: now - 60_000, error: 'Connection timeout', ...ids(), attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'execute_tool' } }, { key: 'gen_ai.tool.name', value: { stringValue: 'send_email' } }] },
    { agent: 'doc-agent', name: 'chat', atMs: now - 50_000, ...ids(), attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'chat' } }, { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }] },
    { agent: 'doc-agent', name: 'plan', atMs: now - 40_000, ...ids() },
  ]);
  agent = (await callApi(server, 'GET', '/api/v1/agents/doc-agent', { key: keys.admin })).body;
  foreign = (await callApi(server, 'POST', '/api/v1/agents', { key: keys.globex, body: { name: 'foreign' } })).body;
  dormant = (await callApi(server, 'POST', '/api/v1/agents', { key: keys.admin, body: { name: 'dormant' } })).body;
  await callApi(server, 'POST', `/api/v1/agents/${dormant.id}/deactivate`, { key: keys.admin });
});

afterAll(async () => {
  await server?.stop();
});

describe('agents', () => {
  it('registerAgent', async () => {
    await call('registerAgent', 'POST', '/api/v1/agents', 201, { body: { name: 'documented', external_ids: ['doc-1'] } });
    await call('registerAgent', 'POST', '/api/v1/agents', 400, { body: { name: '' } });
    await call('registerAgent', 'POST', '/api/v1/agents', 403, { key: keys.reader, body: { name: 'x' } });
  });

  it('listAgents and getAgent', async () => {
    const list = await call('listAgents', 'GET', '/api/v1/agents?per_page=100', 200);
    expect(list.data.length).toBe(3);
    await call('listAgents', 'GET', '/api/v1/agents?status=deactivated&name=dorm', 200);
    await call('listAgents', 'GET', '/api/v1/agents?page=0', 400);
    await call('getAgent', 'GET', `/api/v1/agents/${agent.asn}`, 200);
    await call('getAgent', 'GET', '/api/v1/agents/ASN-2026-0384-7721-A', 404);
    await call('getAgent', 'GET', `/api/v1/agents/${agent.asn}?expand=1`, 400);
    await call('getAgent', 'GET', `/api/v1/agents/${foreign.id}`, 404);
  });

  it('deactivateAgent and activateAgent', async () => {
    for (const [op, verb] of [['deactivateAgent', 'deactivate'], ['activateAgent', 'activate']]) {
      await call(op, 'POST', `/api/v1/agents/doc-1/${verb}`, 200);
      await call(op, 'POST', `/api/v1/agents/doc-1/${verb}?force=1`, 400);
      await call(op, 'POST', `/api/v1/agents/doc-1/${verb}`, 403, { key: keys.reader });
      await call(op, 'POST', `/api/v1/agents/${foreign.asn}/${verb}`, 404);
    }
  });
});

describe('activity', () => {
  it('reportActivity', async () => {
    await call('reportActivity', 'POST', '/api/v1/activity/report', 201, { body: { asn: agent.asn, event_type: 'startup', metadata: { instance_id: 'pod-1' } } });
    await call('reportActivity', 'POST', '/api/v1/activity/report', 400, { body: { asn: agent.asn } });
    await call('reportActivity', 'POST', '/api/v1/activity/report', 401, { key: null, body: { asn: agent.asn, event_type: 'x' } });
    await call('reportActivity', 'POST', '/api/v1/activity/report', 403, { body: { asn: foreign.asn, event_type: 'x' } });
    await call('reportActivity', 'POST', '/api/v1/activity/report', 404, { body: { asn: 'nobody', event_type: 'x' } });
    await call('reportActivity', 'POST', '/api/v1/activity/report', 410, { body: { asn: dormant.asn, event_type: 'x' } });
  });

  it('reportActivityBatch', async () => {
    const events = [{ asn: agent.asn, event_type: 'task_completed', severity: 'info', metadata: { task_id: 'scan-42' } }, { asn: 'doc-agent', event_type: 'incident', severity: 'critical' }];
    await call('reportActivityBatch', 'POST', '/api/v1/activity/report/batch', 201, { body: { events } });
    await call('reportActivityBatch', 'POST', '/api/v1/activity/report/batch', 400, { body: { events: [] } });
    await call('reportActivityBatch', 'POST', '/api/v1/activity/report/batch', 401, { key: 'alk_wrongkey_0123456789012345678901234567890123456789', body: { events } });
    await call('reportActivityBatch', 'POST', '/api/v1/activity/report/batch', 403, { key: keys.reader, body: { events } });
    await call('reportActivityBatch', 'POST', '/api/v1/activity/report/batch', 404, { body: { events: [{ asn: 'nobody', event_type: 'x' }] } });
    await call('reportActivityBatch', 'POST', '/api/v1/activity/report/batch', 410, { body: { events: [{ asn: dormant.id, event_type: 'x' }] } });
  });

  it('listAgentActivity', async () => {
    await call('listAgentActivity', 'GET', `/api/v1/agents/${agent.asn}/activity`, 200);
    await call('listAgentActivity', 'GET', `/api/v1/agents/${agent.asn}/activity?type=incident&from=2020-01-01&to=2099-12-31&page=1&per_page=50`, 200, { key: null });
    await call('listAgentActivity', 'GET', `/api/v1/agents/${agent.asn}/activity?per_page=51`, 400);
    await call('listAgentActivity', 'GET', `/api/v1/agents/${agent.asn}/activity`, 401, { key: 'alk_wrongkey_0123456789012345678901234567890123456789' });
    await call('listAgentActivity', 'GET', `/api/v1/agents/${foreign.asn}/activity`, 404);
  });

  it('verifyAgentActivity', async () => {
    const ok = await call('verifyAgentActivity', 'GET', `/api/v1/agents/${agent.asn}/activity/verify`, 200);
    expect(ok.valid).toBe(true);
    await call('verifyAgentActivity', 'GET', `/api/v1/agents/${dormant.asn}/activity/verify`, 200);
    await call('verifyAgentActivity', 'GET', `/api/v1/agents/${agent.asn}/activity/verify?deep=1`, 400);
    await call('verifyAgentActivity', 'GET', `/api/v1/agents/${foreign.asn}/activity/verify`, 404);
  });

  it('listAgentActions', async () => {
    const feed = await call('listAgentActions', 'GET', `/api/v1/agents/${agent.id}/actions?limit=500`, 200);
    expect(new Set(feed.map((i: any) => i.log?.log_type ?? i.source))).toEqual(new Set(['incident', 'task_completed', 'startup', 'agent_run', 'llm_call', 'error', 'event']));
    await call('listAgentActions', 'GET', `/api/v1/agents/${agent.id}/actions?since=2020-01-01&until=2020-01-02`, 200);
    await call('listAgentActions', 'GET', `/api/v1/agents/${agent.id}/actions?limit=0`, 400);
    await call('listAgentActions', 'GET', `/api/v1/agents/${foreign.id}/actions`, 404);
  });
});

describe('coverage', () => {
  it('called every documented response of the agents and activity operations except 500', () => {
    const documented = (Object.values(doc.paths) as any[])
      .flatMap((item) => [item.get, item.post].filter(Boolean))
      .filter((op) => op.tags.some((t: string) => t === 'agents' || t === 'activity'))
      .flatMap((op) => Object.keys(op.responses).filter((s) => s !== '500').map((s) => `${op.operationId} ${s}`));
    expect(documented.length).toBeGreaterThan(30);
    expect(documented.filter((d) => !seen.has(d))).toEqual([]);
  });
});
