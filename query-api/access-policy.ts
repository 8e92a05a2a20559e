import type { Scope } from '../auth/principal.js';

export type RateClass = 'query' | 'export' | 'stats';

export interface AccessPolicy {
  scope: Scope;
  rateClass: RateClass;
}

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/api/v1/openapi.json']);

/**
 * Which scope each route needs and which rate limit it counts against
 * (ledger-api.txt: query, export and stats limits), in one table so the
 * policy can be read and audited in one place. null: public.
 */
export function accessPolicy(path: string): AccessPolicy | null {
  if (PUBLIC_PATHS.has(path)) return null;
  if (path === '/api/v1/ledger/export') return { scope: 'export', rateClass: 'export' };
  if (path === '/api/v1/ledger/stats') return { scope: 'read', rateClass: 'stats' };
  return { scope: 'read', rateClass: 'query' };
}
