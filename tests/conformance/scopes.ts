import type { QueryScope } from '../../exporters/store.js';

/** Whose data a case reads: an organization, a user in it, every organization (superuser), nobody's. */
export const SCOPES: Record<string, QueryScope> = {
  org_a: { organization_id: 'org_a' },
  org_b: { organization_id: 'org_b' },
  'org_a/alice': { organization_id: 'org_a', user_id: 'alice' },
  'org_b/bob': { organization_id: 'org_b', user_id: 'bob' },
  superuser: { organization_id: null },
  'superuser/alice': { organization_id: null, user_id: 'alice' },
  unknown_org: { organization_id: 'org_none' },
};

export const A = SCOPES.org_a;
