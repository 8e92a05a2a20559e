import { checkRetentionDays, RetentionPolicyError, type OrganizationPolicy } from '../agent-store.js';
import { getVersioned } from './agents-docs.js';
import { isConflict } from './agents-indices.js';
import { backoff, type AgentContext } from './agents-registry.js';
import { collectAll } from './search-paging.js';

interface PolicyDoc {
  organization_id: string;
  /** null: the configured default. */
  retention_days: number | null;
  public_activity: boolean;
}

/** exporters/sqlite/org-policy.ts readPolicy: an organization that set nothing reads as the defaults. */
export async function readPolicy(ctx: AgentContext, organizationId: string): Promise<OrganizationPolicy> {
  const doc = (await getVersioned<PolicyDoc>(ctx.client, ctx.names.policies, organizationId))?.doc;
  return { retention_days: doc?.retention_days ?? ctx.settings.retention_days, public_activity: doc?.public_activity ?? true };
}

/** Every organization's own retention (those absent use the default). */
export async function retentionByOrganization(ctx: AgentContext): Promise<Map<string, number>> {
  const docs = await collectAll<PolicyDoc>(
    ctx.client,
    { index: ctx.names.policies, query: { exists: { field: 'retention_days' } }, sort: [{ organization_id: 'asc' }] },
    1000,
  );
  return new Map(docs.map((d) => [d.organization_id, d.retention_days!]));
}

/** One policy document per organization, changed by a conditional write (two admins never undo each other's field). */
export async function writePolicy(ctx: AgentContext, organizationsIndex: string, organizationId: string, changes: Partial<OrganizationPolicy>, force: boolean): Promise<void> {
  if (changes.retention_days !== undefined) checkRetentionDays(changes.retention_days, force);
  if (!(await getVersioned(ctx.client, organizationsIndex, organizationId))) throw new RetentionPolicyError(`no organization ${organizationId}`);
  for (let attempt = 0; ; attempt++) {
    const current = await getVersioned<PolicyDoc>(ctx.client, ctx.names.policies, organizationId);
    const base: PolicyDoc = current?.doc ?? { organization_id: organizationId, retention_days: null, public_activity: true };
    const document: PolicyDoc = {
      ...base,
      ...(changes.retention_days !== undefined ? { retention_days: changes.retention_days } : {}),
      ...(changes.public_activity !== undefined ? { public_activity: changes.public_activity } : {}),
    };
    try {
      if (current) await ctx.client.index({ index: ctx.names.policies, id: organizationId, document, if_seq_no: current.seq_no, if_primary_term: current.primary_term, refresh: 'wait_for' });
      else await ctx.client.create({ index: ctx.names.policies, id: organizationId, document, refresh: 'wait_for' });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 50) throw err;
      await backoff(attempt);
    }
  }
}
