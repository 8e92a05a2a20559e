import { expect } from 'vitest';
import type { ServerProcess } from './server-process.js';

/**
 * Every read route of the query API, as the server's admin: each answers 200
 * with a body read in full (an export that drops the connection fails here).
 * Detail routes are visited for the first 50 runs, traces and agents the lists show.
 */
export async function everyReadAnswers(server: ServerProcess, organizationId = 'default'): Promise<void> {
  const ok = async (path: string) => {
    const res = await server.get(path);
    expect(res.status, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
    return res.body;
  };
  for (const path of [
    '/api/v1/ledger',
    '/api/v1/ledger?sort_by=timestamp&sort_order=asc',
    '/api/v1/ledger?sort_by=duration&sort_order=desc',
    '/api/v1/ledger?sort_by=cost&sort_order=desc',
    '/api/v1/ledger/stats',
    '/api/v1/runs',
    '/api/v1/runs?sort_order=asc',
    `/tenants/${organizationId}/traces`,
    '/api/v1/agents',
    '/api/v1/ledger/export?format=json',
    '/api/v1/ledger/export?format=jsonl',
    '/api/v1/ledger/export?format=csv',
  ]) {
    await ok(path);
  }
  for (const run of (await ok('/api/v1/runs?page_size=50')).data) await ok(`/api/v1/runs/${run.id}`);
  for (const t of (await ok(`/tenants/${organizationId}/traces?per_page=50`)).data) await ok(`/tenants/${organizationId}/traces/${t.traceId}`);
  for (const a of (await ok('/api/v1/agents?per_page=50')).data) {
    for (const sub of ['', '/activity', '/activity/verify', '/actions']) await ok(`/api/v1/agents/${a.id}${sub}`);
  }
}
