import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { batchShape, eventShape } from '../../query-api/agents/activity-body.js';
import { openApiDocument } from '../../query-api/openapi/document.js';
import type { Operation, Parameter, Reference } from '../../query-api/openapi/openapi-types.js';
import { bodySchema, queryParameters } from '../../query-api/openapi/zod-openapi.js';
import { dateParam, enumParam, intParam, parseQuery, textParam, usdParam, withDefault } from '../../query-api/query-params.js';
import { exportShape } from '../../query-api/routes/export-routes.js';
import { timelineShape } from '../../query-api/routes/entity-timeline-routes.js';
import { ledgerShape } from '../../query-api/routes/ledger-routes.js';
import { streamShape } from '../../query-api/routes/stream-routes.js';
import { openApiShape } from '../../query-api/routes/openapi-routes.js';
import { getRunShape, runsShape } from '../../query-api/routes/runs-routes.js';
import { statsShape, timeseriesShape } from '../../query-api/routes/stats-routes.js';
import { listAgentsShape, registerAgentBody } from '../../query-api/routes/agents-routes.js';
import { activityShape } from '../../query-api/routes/activity-read-routes.js';
import { actionsShape } from '../../query-api/routes/agent-actions-routes.js';
import { listTracesShape } from '../../query-api/routes/traces-routes.js';
import { listSearchesShape, SAVE_SEARCH_EXAMPLE, saveSearchBody, searchExportShape, searchResultsShape } from '../../query-api/routes/searches-routes.js';

/**
 * The query parameters and request bodies are generated from the zod
 * schemas the routes validate with (query-api/openapi/zod-openapi.ts). These
 * tests prove that: a field added to a shape appears in the document with
 * its bounds, and every operation's parameters are its shape's keys.
 * openapi-routes.test.ts checks the generated bounds against the running app.
 */
const SHAPES: Record<string, z.ZodRawShape> = {
  listLedger: ledgerShape,
  getEntityTimeline: timelineShape,
  getLedgerStats: statsShape,
  getLedgerTimeseries: timeseriesShape,
  exportLedger: exportShape,
  streamLedger: streamShape,
  listRuns: runsShape,
  getRun: getRunShape,
  listTraces: listTracesShape,
  getTrace: getRunShape,
  getOpenApiDocument: openApiShape,
  // the probes ignore any query string: they document none
  getHealth: {},
  getReadiness: {},
  listAgents: listAgentsShape,
  registerAgent: {},
  getAgent: {},
  deactivateAgent: {},
  activateAgent: {},
  listAgentActivity: activityShape,
  verifyAgentActivity: {},
  // `since` defaults to one hour before `until`, computed per request: neither has a static default
  listAgentActions: actionsShape,
  reportActivity: {},
  reportActivityBatch: {},
  listSavedSearches: listSearchesShape,
  saveSearch: {},
  getSavedSearch: {},
  deleteSavedSearch: {},
  runSavedSearch: searchResultsShape,
  exportSavedSearch: searchExportShape,
};

function operation(operationId: string): { op: Operation; pathParams: Array<Parameter | Reference> } {
  for (const item of Object.values(openApiDocument.paths)) {
    const op = [item.get, item.post, item.delete].find((o) => o?.operationId === operationId);
    if (op) return { op, pathParams: item.parameters ?? [] };
  }
  throw new Error(`no operation ${operationId}`);
}

function queryParametersOf(operationId: string): Parameter[] {
  const { op, pathParams } = operation(operationId);
  return [...pathParams, ...(op.parameters ?? [])]
    .map((p: Parameter | Reference) => ('$ref' in p ? openApiDocument.components.parameters[p.$ref.split('/').pop()!] : p))
    .filter((p) => p.in === 'query');
}

it('every operation of the document has its route shape here', () => {
  const ids = Object.values(openApiDocument.paths).flatMap((item) => [item.get, item.post, item.delete].filter((o) => o !== undefined).map((o) => o.operationId));
  expect(ids.sort()).toEqual(Object.keys(SHAPES).sort());
});

describe.each(Object.entries(SHAPES))('%s: the documented query parameters', (operationId, shape) => {
  const params = queryParametersOf(operationId);

  it('are the route shape\'s keys, in its order, each generated from its field', () => {
    expect(params.map((p) => p.name)).toEqual(Object.keys(shape));
    expect(params).toEqual(queryParameters(shape));
  });

  it('default to what the route uses when left out', () => {
    const parsed = parseQuery({}, shape as never) as Record<string, unknown>;
    for (const p of params) expect(parsed[p.name], p.name).toEqual(p.schema.default);
  });
});

describe('queryParameters (generation from a shape)', () => {
  it('shows a field added to a route shape, with its bounds, default, description and example', () => {
    const grown = {
      ...ledgerShape,
      region: textParam(42).meta({ description: 'Only this region.', examples: ['eu-west'] }),
      depth: intParam(2, 9, 3).meta({ description: 'How deep.', examples: [4] }),
      colour: withDefault(enumParam(['red', 'blue'] as const), 'blue').meta({ description: 'Which colour.' }),
      since: dateParam('start').meta({ description: 'From.' }),
      budget: usdParam().meta({ description: 'Spend.' }),
    };
    const byName = Object.fromEntries(queryParameters(grown).map((p) => [p.name, p]));
    expect(Object.keys(byName)).toEqual(Object.keys(grown));
    expect(byName.region).toEqual({ name: 'region', in: 'query', description: 'Only this region.', schema: { type: 'string', minLength: 1, maxLength: 42 }, example: 'eu-west' });
    expect(byName.depth.schema).toEqual({ type: 'integer', minimum: 2, maximum: 9, default: 3 });
    expect(byName.colour.schema).toEqual({ type: 'string', enum: ['red', 'blue'], default: 'blue' });
    expect(byName.since.schema).toEqual({ anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', format: 'date' }] });
    expect(byName.budget.schema).toEqual({ type: 'number', minimum: 0 });
    expect(byName.region.required).toBeUndefined();
  });

  it('marks a field the route requires as required', () => {
    const [p] = queryParameters({ must: z.string().min(1).meta({ description: 'Needed.' }) });
    expect(p.required).toBe(true);
  });

  it('refuses a field without a description, naming it', () => {
    expect(() => queryParameters({ ...statsShape, undocumented: textParam() })).toThrow(/`undocumented`/);
  });
});

describe('request bodies, generated from the zod schemas that parse them', () => {
  const components = openApiDocument.components.schemas;
  const ajv = new Ajv2020({ strict: false });
  // the components as one schema resource, so the batch's `#/components/schemas/ActivityReport` resolves
  ajv.addSchema({ $id: 'urn:agent-ledger:bodies', $defs: JSON.parse(JSON.stringify(components).replace(/"#\/components\/schemas\//g, '"urn:agent-ledger:bodies#/$defs/')) });
  const documented = (name: string, payload: unknown) => ajv.validate({ $ref: `urn:agent-ledger:bodies#/$defs/${name}` }, payload);

  it('are the document\'s components', () => {
    expect(components.RegisterAgent).toEqual(bodySchema(registerAgentBody));
    expect(components.ActivityReport).toEqual(bodySchema(eventShape));
    expect(components.SaveSearch).toEqual({ ...bodySchema(saveSearchBody), examples: [SAVE_SEARCH_EXAMPLE] });
    expect(saveSearchBody.safeParse(SAVE_SEARCH_EXAMPLE).success).toBe(true);
    expect(components.ActivityBatchReport.properties!.events).toMatchObject({ minItems: 1, maxItems: 500, items: { $ref: '#/components/schemas/ActivityReport' } });
    expect(components.ActivityBatchReport.required).toEqual(['events']);
  });

  // The same payloads, one verdict: what the route refuses, the schema refuses (and the route's own checks aside, what it takes, the schema takes).
  it.each([
    ['RegisterAgent', registerAgentBody, { name: 'scanner' }, true],
    ['RegisterAgent', registerAgentBody, { name: 'scanner', external_ids: ['a', 'b'] }, true],
    ['RegisterAgent', registerAgentBody, { name: '' }, false],
    ['RegisterAgent', registerAgentBody, { name: 'x'.repeat(201) }, false],
    ['RegisterAgent', registerAgentBody, { external_ids: [] }, false],
    ['RegisterAgent', registerAgentBody, { name: 'a', external_ids: Array.from({ length: 101 }, (_, i) => `e${i}`) }, false],
    ['RegisterAgent', registerAgentBody, { name: 'a', external_ids: [''] }, false],
    ['RegisterAgent', registerAgentBody, { name: 'a', __proto__x: 1 }, false],
    ['ActivityReport', eventShape, { asn: 'ASN-2026-0384-7721-G', event_type: 'task_completed' }, true],
    ['ActivityReport', eventShape, { asn: 'a', event_type: 'x', severity: 'critical', metadata: { k: [1] } }, true],
    ['ActivityReport', eventShape, { asn: 'a', event_type: 'x', severity: 'fatal' }, false],
    ['ActivityReport', eventShape, { asn: 'a', event_type: 'x'.repeat(51) }, false],
    ['ActivityReport', eventShape, { asn: 'a', event_type: 'x', metadata: [] }, false],
    ['ActivityReport', eventShape, { event_type: 'x' }, false],
    ['ActivityReport', eventShape, { asn: 'a', event_type: 'x', extra: true }, false],
    ['ActivityBatchReport', batchShape, { events: [{ asn: 'a', event_type: 'x' }] }, true],
    ['ActivityBatchReport', batchShape, { events: [] }, false],
    ['ActivityBatchReport', batchShape, { events: Array.from({ length: 501 }, () => ({ asn: 'a', event_type: 'x' })) }, false],
    ['ActivityBatchReport', batchShape, { events: [{ asn: 'a', event_type: 'x' }], more: 1 }, false],
    ['SaveSearch', saveSearchBody, { name: 'n', query: 'kind:llm' }, true],
    ['SaveSearch', saveSearchBody, { name: 'n', query: 'kind:llm', description: null, filters: { agent_id: 'a', outcome: 'error', start_date: '2024-12-01' } }, true],
    ['SaveSearch', saveSearchBody, { name: 'n' }, false],
    ['SaveSearch', saveSearchBody, { query: 'kind:llm' }, false],
    ['SaveSearch', saveSearchBody, { name: 'x'.repeat(201), query: 'kind:llm' }, false],
    ['SaveSearch', saveSearchBody, { name: 'n', query: 'kind:llm', description: 'x'.repeat(2001) }, false],
    ['SaveSearch', saveSearchBody, { name: 'n', query: 'x'.repeat(2001) }, false],
    ['SaveSearch', saveSearchBody, { name: 'n', query: 'kind:llm', filters: { page: '2' } }, false],
    ['SaveSearch', saveSearchBody, { name: 'n', query: 'kind:llm', filters: { outcome: 'maybe' } }, false],
    ['SaveSearch', saveSearchBody, { name: 'n', query: 'kind:llm', filters: { agent_id: 7 } }, false],
    ['SaveSearch', saveSearchBody, { name: 'n', query: 'kind:llm', owner: 'me' }, false],
  ] as const)('%s: %j is valid: %s', (name, schema, payload, valid) => {
    expect(schema.safeParse(payload).success).toBe(valid);
    expect(documented(name, payload), ajv.errorsText()).toBe(valid);
  });
});
