import type { Context } from 'koa';
import type { QueryScope } from '../exporters/store.js';

/** Derives the tenant scope of a request; every store read takes one. */
export type ScopeResolver = (ctx: Context) => QueryScope;

/** Before credentials exist, every request reads the one configured organization. */
export function fixedOrganizationScope(organizationId: string): ScopeResolver {
  return () => ({ organization_id: organizationId, user_id: null });
}
