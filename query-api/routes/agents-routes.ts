import { z } from 'zod';
import { AgentConflictError, agentsOf } from '../../exporters/agent-store.js';
import { AGENT_STATUSES, type AgentStatus } from '../../model/agent.js';
import { looksLikeAsn } from '../../model/asn.js';
import { validationError } from '../api-error.js';
import { principalOf } from '../auth-middleware.js';
import { actorOf } from '../actor.js';
import { agentInScope, MAX_AGENT_REF_LENGTH } from '../agents/agent-lookup.js';
import type { AgentRoutesOptions } from '../agents/agent-routes-options.js';
import { readJsonBody } from '../json-body.js';
import { plainText } from '../plain-text.js';
import { enumParam, intParam, parseQuery, textParam } from '../query-params.js';
import { ADMIN, READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';

export const listAgentsShape = {
  page: intParam(1, 1_000_000_000, 1).meta({ description: 'Page number, starting at 1; a page past the end is an empty `data`.', examples: [1] }),
  per_page: intParam(1, 100, 20).meta({ description: 'Agents per page.', examples: [20] }),
  status: enumParam(AGENT_STATUSES).optional().meta({ description: 'Only agents with this status.', examples: ['active'] }),
  name: textParam(200).meta({ description: 'Only agents whose name holds this text (case-insensitive).', examples: ['scanner'] }),
};

export const registerAgentBody = z
  .object({
    name: plainText(z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters')),
    external_ids: z
      .array(
        plainText(
          z
            .string()
            .min(1, 'must not be empty')
            .max(MAX_AGENT_REF_LENGTH, `must be at most ${MAX_AGENT_REF_LENGTH} characters`)
            .refine((s) => !looksLikeAsn(s), 'must not look like an ASN (an ASN always names an agent by its ASN)'),
        ),
        { error: 'must be an array of strings' },
      )
      .max(100, 'must hold at most 100 ids')
      .default([])
      .meta({
        description:
          'Agent ids its spans will carry; each free in the organization, none shaped like an ASN. Spans naming the agent by its ASN are linked to it too.',
      }),
  })
  .strict()
  .meta({ examples: [{ name: 'vulnerability-scanner', external_ids: ['scanner-prod'] }] });

/**
 * The agent registry: list (paged from 1 like the activity seed, filtered by
 * status and name, with each agent's action count, cost, error rate, last
 * seen and trust score), one agent by UUID, ASN or external id, registration
 * and (de)activation by an admin, each change recorded as a lifecycle event.
 */
export function agentsRoutes(router: ApiRouter, options: AgentRoutesOptions, scopeOf: ScopeResolver): void {

  router.get('/api/v1/agents', READ, async (ctx) => {
    const params = parseQuery(ctx.query, listAgentsShape);
    const { data, total } = await agentsOf(options).listAgents({ scope: scopeOf(ctx), ...params });
    ctx.body = { data, pagination: { page: params.page, per_page: params.per_page, total, total_pages: Math.ceil(total / params.per_page) } };
  });

  router.post('/api/v1/agents', ADMIN, async (ctx) => {
    parseQuery(ctx.query, {});
    const parsed = registerAgentBody.safeParse(await readJsonBody(ctx, 256 * 1024));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      if (issue.code === 'unrecognized_keys') throw validationError(`unknown field \`${issue.keys[0]}\`; allowed: name, external_ids`);
      const path = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : String(k))).join('.').replace('.[', '[');
      throw validationError(path ? `\`${path}\` ${issue.message}` : `the body must be a JSON object: ${issue.message}`);
    }
    const principal = principalOf(ctx)!;
    try {
      ctx.body = await agentsOf(options).registerAgent({ organization_id: principal.organization_id, ...parsed.data }, actorOf(principal));
    } catch (err) {
      if (err instanceof AgentConflictError) throw validationError(`\`external_ids\`: ${err.message}`);
      throw err;
    }
    ctx.status = 201;
  });

  router.get('/api/v1/agents/:agent_id', READ, async (ctx) => {
    parseQuery(ctx.query, {});
    ctx.body = await agentInScope(agentsOf(options), scopeOf(ctx), ctx.params.agent_id);
  });

  const transitions = [['deactivate', 'deactivated'], ['activate', 'active']] as const satisfies ReadonlyArray<readonly [string, AgentStatus]>;
  for (const [verb, status] of transitions) {
    router.post(`/api/v1/agents/:agent_id/${verb}`, ADMIN, async (ctx) => {
      parseQuery(ctx.query, {});
      const scope = scopeOf(ctx);
      const agent = await agentInScope(agentsOf(options), scope, ctx.params.agent_id);
      await agentsOf(options).setAgentStatus(agent.id, status, actorOf(principalOf(ctx)!));
      // read back in the caller's scope: a user-role key with `admin` sees its own usage only, here as on GET
      ctx.body = await agentInScope(agentsOf(options), scope, agent.id);
    });
  }
}
