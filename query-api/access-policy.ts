import type { Scope } from '../auth/principal.js';

export type RateClass = 'query' | 'export' | 'stats' | 'ingest';

export interface AccessPolicy {
  /** Any one of these scopes lets the request through. */
  scopes: readonly Scope[];
  rateClass: RateClass;
  /**
   * A request without a credential proceeds anonymously (the activity seed's
   * public view) and is rate-limited by its address; one with a credential is
   * checked as everywhere else.
   */
  optionalCredential?: boolean;
}

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/api/v1/openapi.json']);

const READ: AccessPolicy = { scopes: ['read'], rateClass: 'query' };
const ADMIN: AccessPolicy = { scopes: ['admin'], rateClass: 'query' };

/**
 * Which scope each route needs and which rate limit it counts against
 * (ledger-api.txt: query, export and stats limits; activity reports count as
 * ingest), in one table so the policy can be read and audited in one place.
 * Keyed by path, and by method where one path serves reads and writes; a
 * method a path does not serve gets the path's policy, then a 405.
 * null: public.
 */
export function accessPolicy(method: string, path: string): AccessPolicy | null {
  if (PUBLIC_PATHS.has(path)) return null;
  if (path === '/api/v1/ledger/export') return { scopes: ['export'], rateClass: 'export' };
  if (path === '/api/v1/ledger/stats') return { scopes: ['read'], rateClass: 'stats' };
  // activity-events-api.txt: activity:report (or, here, ingest) reports
  if (path === '/api/v1/activity/report' || path === '/api/v1/activity/report/batch') {
    return { scopes: ['activity:report', 'ingest'], rateClass: 'ingest' };
  }
  if (path === '/api/v1/agents') return method === 'POST' ? ADMIN : READ;
  if (/^\/api\/v1\/agents\/[^/]+\/(deactivate|activate)$/.test(path)) return ADMIN;
  if (/^\/api\/v1\/agents\/[^/]+\/activity$/.test(path)) return { ...READ, optionalCredential: true };
  return READ;
}
