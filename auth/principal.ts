import type { QueryScope } from '../exporters/store.js';

/**
 * What a credential may do (ledger-api.txt: query, export, stats; ingest; admin).
 * `activity:report` (activity-events-api.txt) reports activity events and nothing else;
 * `ingest` may report them too.
 */
export const SCOPES = ['ingest', 'read', 'export', 'admin', 'activity:report'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * Whose data a principal sees (ledger-api.txt, Access Control): a user their
 * own runs, an organization admin their organization's, a superuser all.
 */
export const ROLES = ['user', 'admin', 'superuser'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller of one request. */
export interface Principal {
  kind: 'api_key' | 'jwt' | 'anonymous';
  organization_id: string;
  user_id: string | null;
  role: Role;
  scopes: ReadonlySet<Scope>;
  /** Stable id of the credential (key id, or JWT issuer + subject): the unit of rate limits. Never the secret. */
  credential_id: string;
  /** An API key's visible prefix (`alk_` + 8 characters, as key listings show it): what request logs name. */
  key_prefix?: string;
}

/** The tenant scope every store read of this principal carries. */
export function queryScopeOf(principal: Principal): QueryScope {
  if (principal.role === 'superuser') return { organization_id: null, user_id: null };
  if (principal.role === 'admin') return { organization_id: principal.organization_id, user_id: null };
  // `||`: an empty user id must narrow to nobody, never widen to everyone (scopes treat '' as no filter)
  return { organization_id: principal.organization_id, user_id: principal.user_id || '\u0000no-user' };
}
