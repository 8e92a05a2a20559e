import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../query-api/openapi/document.js';
import type { Operation, Parameter, Reference } from '../../query-api/openapi/openapi-types.js';
import { parseQuery } from '../../query-api/query-params.js';
import { exportShape } from '../../query-api/routes/export-routes.js';
import { ledgerShape } from '../../query-api/routes/ledger-routes.js';
import { streamShape } from '../../query-api/routes/stream-routes.js';
import { openApiShape } from '../../query-api/routes/openapi-routes.js';
import { getRunShape, runsShape } from '../../query-api/routes/runs-routes.js';
import { statsShape, timeseriesShape } from '../../query-api/routes/stats-routes.js';
import { listAgentsShape } from '../../query-api/routes/agents-routes.js';
import { activityShape } from '../../query-api/routes/activity-read-routes.js';
import { actionsShape } from '../../query-api/routes/agent-actions-routes.js';

/**
 * The zod shapes the routes parse their query strings with, by operationId.
 * The traces
 * routes keep their shape private; openapi-routes.test.ts checks them (and
 * every other operation) through the running app instead.
 */
const SHAPES: Record<string, Record<string, unknown>> = {
  listLedger: ledgerShape,
  getLedgerStats: statsShape,
  getLedgerTimeseries: timeseriesShape,
  exportLedger: exportShape,
  streamLedger: streamShape,
  listRuns: runsShape,
  getRun: getRunShape,
  getOpenApiDocument: openApiShape,
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
};

function queryParameters(operationId: string): Parameter[] {
  for (const item of Object.values(openApiDocument.paths)) {
    const op: Operation | undefined = [item.get, item.post].find((o) => o?.operationId === operationId);
    if (!op) continue;
    return [...(item.parameters ?? []), ...(op.parameters ?? [])]
      .map((p: Parameter | Reference) => ('$ref' in p ? openApiDocument.components.parameters[p.$ref.split('/').pop()!] : p))
      .filter((p) => p.in === 'query');
  }
  throw new Error(`no operation ${operationId}`);
}

describe.each(Object.entries(SHAPES))('%s: the documented query parameters', (operationId, shape) => {
  const params = queryParameters(operationId);

  it('are exactly the parameters the route accepts', () => {
    expect(params.map((p) => p.name).sort()).toEqual(Object.keys(shape).sort());
  });

  it('default to what the route uses when left out', () => {
    const parsed = parseQuery({}, shape as never) as Record<string, unknown>;
    for (const p of params) expect(parsed[p.name], p.name).toEqual(p.schema.default);
  });
});
