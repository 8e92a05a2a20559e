import { routeExists } from './api.js';

/**
 * What this server offers beyond the seed: ledger filters and routes that a
 * newer server adds. Parameters come from the public OpenAPI document; a
 * route that answers 404 does not exist here, and its control stays hidden.
 */
export const EXTRA_FILTERS = ['kind', 'model', 'provider', 'user_id', 'service_name', 'tag', 'conversation_id'] as const;

let ledgerParams: Promise<Set<string>> | null = null;
const routes = new Map<string, Promise<boolean>>();

export function ledgerParameters(): Promise<Set<string>> {
  ledgerParams ??= fetch('/api/v1/openapi.json', { credentials: 'omit' })
    .then((r) => r.json())
    .then((doc) => {
      const names = new Set<string>();
      for (const p of doc?.paths?.['/api/v1/ledger']?.get?.parameters ?? []) {
        const ref = typeof p?.$ref === 'string' ? doc.components?.parameters?.[p.$ref.split('/').pop()] : p;
        if (typeof ref?.name === 'string') names.add(ref.name);
      }
      return names;
    })
    .catch(() => new Set<string>());
  return ledgerParams;
}

export function hasRoute(path: string): Promise<boolean> {
  let known = routes.get(path);
  if (!known) {
    known = routeExists(path);
    routes.set(path, known);
  }
  return known;
}

export const TIMESERIES = '/api/v1/ledger/stats/timeseries';
export const STREAM = '/api/v1/ledger/stream';
