import { agentsOf } from '../../exporters/agent-store.js';
import { validationError } from '../api-error.js';
import { agentInScope } from '../agents/agent-lookup.js';
import type { AgentRoutesOptions } from '../agents/agent-routes-options.js';
import { dateParam, intParam, parseQuery } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';

const HOUR_US = 3_600_000_000;

export const actionsShape = {
  since: dateParam('start').meta({
    description: 'Start of the time window (ISO 8601), inclusive. Defaults to 1 hour before `until` (1 hour ago when `until` is left out).',
    examples: ['2026-03-18T13:30:00Z'],
  }),
  until: dateParam('end').meta({ description: 'End of the time window (ISO 8601), inclusive. Defaults to now.', examples: ['2026-03-18T14:30:00Z'] }),
  limit: intParam(1, 500, 50).meta({ description: 'Maximum entries to return (newest first).', examples: [100] }),
};

/**
 * GET /api/v1/agents/{agent_id}/actions (agent-actions-feed.txt): the agent's
 * lifecycle events (`source: "event"`) and its ledger entries and activity
 * events (`source: "log"`), newest first, within [since, until]. `until`
 * defaults to now and `since` to one hour before `until` (one hour ago when
 * both are left out); `limit` is 1–500, default 50.
 */
export function agentActionsRoutes(router: ApiRouter, options: AgentRoutesOptions, scopeOf: ScopeResolver): void {
  router.get('/api/v1/agents/:agent_id/actions', READ, async (ctx) => {
    const params = parseQuery(ctx.query, actionsShape);
    const until = params.until ?? Date.now() * 1000;
    const since = params.since ?? until - HOUR_US;
    if (since > until) throw validationError('`since` must not be after `until`');
    const scope = scopeOf(ctx);
    const agent = await agentInScope(agentsOf(options), scope, ctx.params.agent_id);
    ctx.body = await agentsOf(options).listAgentActions({ agent_id: agent.id, scope, since_us: since, until_us: until, limit: params.limit });
  });
}
