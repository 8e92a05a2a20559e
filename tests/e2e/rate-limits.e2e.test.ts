import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const LIMITS = {
  AGENT_LEDGER_RATE_LIMITS_QUERY_PER_HOUR: '3',
  AGENT_LEDGER_RATE_LIMITS_EXPORT_PER_HOUR: '2',
  AGENT_LEDGER_RATE_LIMITS_STATS_PER_HOUR: '2',
  AGENT_LEDGER_RATE_LIMITS_INGEST_PER_HOUR: '2',
};
const servers: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function exhaust(server: ServerProcess, path: string, allowed: number, headers = server.auth) {
  for (let i = 0; i < allowed; i++) {
    const res = await server.get(path, headers);
    expect(res.status, `${path} #${i + 1}`).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe(String(allowed));
    expect(res.headers.get('ratelimit-remaining')).toBe(String(allowed - i - 1));
  }
  const refused = await server.get(path, headers);
  expect(refused.status).toBe(429);
  expect(refused.body.error.code).toBe('RATE_LIMITED');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(refused.headers.get('ratelimit-remaining')).toBe('0');
}

describe('rate limits per credential and class', () => {
  it('limits queries, stats and exports separately, each credential on its own budget', async () => {
    const server = await startServerProcess({ env: LIMITS });
    servers.push(server);
    await exhaust(server, '/api/v1/ledger', 3);
    await exhaust(server, '/api/v1/ledger/stats', 2);
    await exhaust(server, '/api/v1/ledger/export', 2);
    expect((await server.get('/api/v1/runs')).status).toBe(429); // runs count as queries
    const other = runCli(server.dataDir, ['keys', 'create', '--scopes', 'read']).trim();
    expect((await server.get('/api/v1/ledger', { Authorization: `Bearer ${other}` })).status).toBe(200);
    expect((await server.get('/healthz')).status).toBe(200);
  });

  it('limits ingest with 429, Retry-After and an OTLP status', async () => {
    const server = await startServerProcess({ env: LIMITS });
    servers.push(server);
    const post = () =>
      fetch(server.otlpUrl, { method: 'POST', body: '{"resourceSpans":[]}', headers: { 'Content-Type': 'application/json', ...server.auth } });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 8 });
  });

  it.skipIf(!process.env.REDIS_URL)('shares one budget between query processes through Redis (needs REDIS_URL; skipped without one)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-rl-'));
    const env = { ...LIMITS, REDIS_URL: process.env.REDIS_URL!, AGENT_LEDGER_RATE_LIMITS_QUERY_PER_HOUR: '4' };
    const a = await startServerProcess({ role: 'query', dataDir, env });
    const b = await startServerProcess({ role: 'query', dataDir, env });
    servers.push(a, b);
    expect((await a.get('/api/v1/ledger')).status).toBe(200);
    expect((await b.get('/api/v1/ledger')).status).toBe(200);
    expect((await a.get('/api/v1/ledger')).status).toBe(200);
    expect((await b.get('/api/v1/ledger')).status).toBe(200);
    expect((await a.get('/api/v1/ledger')).status).toBe(429);
    expect((await b.get('/api/v1/ledger')).status).toBe(429);
  });
});
