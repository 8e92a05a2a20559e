import { agentsOf } from '../../exporters/agent-store.js';
import type { Agent } from '../../model/agent.js';
import { notFound, validationError } from '../api-error.js';
import { principalOf } from '../auth-middleware.js';
import { agentInScope, checkAgentRef } from '../agents/agent-lookup.js';
import { MAX_EVENT_TYPE_LENGTH } from '../agents/activity-body.js';
import type { AgentRoutesOptions } from '../agents/agent-routes-options.js';
import { dateParam, intParam, parseQuery, textParam } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';

/** The activity seed's public view: without a credential, an agent's newest events only. */
export const PUBLIC_ACTIVITY_WINDOW = 50;

export const activityShape = {
  type: textParam(MAX_EVENT_TYPE_LENGTH).meta({ description: 'Filter by event type.', examples: ['task_completed'] }),
  from: dateParam('start').meta({
    description: 'Events created at or after this time: ISO 8601 (RFC 3339), or a bare date (the start of that UTC day); not after `to`.',
    examples: ['2026-03-01T00:00:00Z'],
  }),
  to: dateParam('end').meta({
    description: 'Events created at or before this time: ISO 8601 (RFC 3339), or a bare date (the whole of that UTC day).',
    examples: ['2026-03-31'],
  }),
  page: intParam(1, 1_000_000_000, 1).meta({ description: 'Page number (default: 1); a page past the end is an empty `data`.', examples: [1] }),
  per_page: intParam(1, 50, 20).meta({ description: 'Results per page (default: 20, max: 50).', examples: [20] }),
};

/**
 * GET /api/v1/agents/{agent_id}/activity (activity-events-api.txt) and its
 * chain verification. With a read credential, the caller's organization's
 * agent and its whole history (another organization's agent is a 404).
 * Without one, the public view: any organization's agent by UUID or ASN,
 * only its newest 50 events (filtered and paged within them), unless its
 * organization switched the public view off (then a 404).
 */
export function activityReadRoutes(router: ApiRouter, options: AgentRoutesOptions, scopeOf: ScopeResolver): void {

  router.get('/api/v1/agents/:agent_id/activity', { ...READ, optionalCredential: true }, async (ctx) => {
    const params = parseQuery(ctx.query, activityShape);
    if (params.from !== undefined && params.to !== undefined && params.from > params.to) throw validationError('`from` must not be after `to`');
    const ref = ctx.params.agent_id;
    let agent: Agent;
    let window: number | undefined;
    if (principalOf(ctx)) {
      agent = await agentInScope(agentsOf(options), scopeOf(ctx), ref);
    } else {
      checkAgentRef(ref, 'agent_id');
      const found = await agentsOf(options).findAgent('public', ref);
      if (!found || !(await agentsOf(options).getOrganizationPolicy(found.organization_id)).public_activity) throw notFound(`agent ${ref} not found`);
      agent = found;
      window = PUBLIC_ACTIVITY_WINDOW;
      ctx.set('Cache-Control', 'public, max-age=10');
    }
    const { data, total } = await agentsOf(options).listActivity({
      agent_id: agent.id,
      type: params.type,
      from_us: params.from,
      to_us: params.to,
      page: params.page,
      per_page: params.per_page,
      window,
    });
    ctx.body = { data, pagination: { page: params.page, per_page: params.per_page, total, total_pages: Math.ceil(total / params.per_page) } };
  });

  router.get('/api/v1/agents/:agent_id/activity/verify', READ, async (ctx) => {
    parseQuery(ctx.query, {});
    const agent = await agentInScope(agentsOf(options), scopeOf(ctx), ctx.params.agent_id);
    ctx.body = await agentsOf(options).verifyActivityChain(agent.id);
  });
}
