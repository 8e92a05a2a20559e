import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startRole, type RunningServer } from '../../cli/roles.js';
import { loadConfig } from '../../config/index.js';
import { createRequestLog } from '../../observability/request-log.js';
import { parsePrometheusText, valueOf } from '../helpers/prometheus-text.js';
import { CAN_STOP_REDIS, startPrivateRedis } from '../helpers/redis-server.js';
import { freePort } from '../helpers/server-process.js';

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function start(role: 'all' | 'worker' = 'all', env: Record<string, string> = {}): Promise<{ server: RunningServer; metricsUrl: string }> {
  const port = await freePort();
  const config = loadConfig({
    env: {
      AGENT_LEDGER_DATA_DIR: mkdtempSync(join(tmpdir(), 'ledger-metrics-')),
      AGENT_LEDGER_HTTP_PORT: '0',
      AGENT_LEDGER_OTLP_PORT: '0',
      AGENT_LEDGER_OTLP_GRPC_PORT: '0',
      AGENT_LEDGER_METRICS_PORT: String(port),
      AGENT_LEDGER_BOOTSTRAP_KEY: 'alk_metricsx_0123456789abcdefghijklmnopqrstuvwxyzABCD',
      AGENT_LEDGER_RETENTION_SWEEP_INTERVAL_SECONDS: '0',
      ...env,
    },
  });
  const server = await startRole(role, config, pino({ level: 'silent' }), { storeWriter: 'inline', announce: () => {} });
  running.push(server);
  return { server, metricsUrl: `http://127.0.0.1:${port}` };
}

describe('the metrics port of a role started in this process', () => {
  it('runs two servers in one process, each with its own registry and counts', async () => {
    const [a, b] = [await start(), await start()];
    const res = await fetch(`http://127.0.0.1:${a.server.receiver!.port()}/v1/traces`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(401);
    const read = async (url: string) => parsePrometheusText(await (await fetch(`${url}/metrics`)).text()).samples;
    expect(valueOf(await read(a.metricsUrl), 'agent_ledger_otlp_requests_total', { status_code: '401', encoding: 'json' })).toBe(1);
    expect(valueOf(await read(b.metricsUrl), 'agent_ledger_otlp_requests_total', { status_code: '401', encoding: 'json' })).toBeUndefined();
  });

  it('stays live but not ready while the store is down, naming the check and its error', async () => {
    const { server, metricsUrl } = await start();
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);
    await server.store.close();
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${metricsUrl}/readyz`);
    expect(ready.status).toBe(503);
    const body = await ready.json();
    expect(body.status).toBe('unavailable');
    expect(body.checks).toEqual([
      { name: 'store', ok: false, error: expect.stringMatching(/not open/) },
      { name: 'queue', ok: true },
    ]);
  });
});

// Redis stopped under a worker is the e2e test's (observability-redis): a worker cannot close cleanly without Redis.
it.skipIf(!CAN_STOP_REDIS)('a worker is live but not ready while its store is down (needs REDIS_URL and redis-server)', async () => {
  const redis = await startPrivateRedis();
  try {
    const { server, metricsUrl } = await start('worker', { REDIS_URL: redis.url });
    const ready = async () => {
      const res = await fetch(`${metricsUrl}/readyz`);
      return { status: res.status, body: await res.json() };
    };
    expect(await ready()).toEqual({ status: 200, body: { status: 'ready', checks: [{ name: 'store', ok: true }, { name: 'redis', ok: true }] } });
    await server.store.close();
    expect(await ready()).toEqual({
      status: 503,
      body: { status: 'unavailable', checks: [{ name: 'store', ok: false, error: expect.stringMatching(/not open/) }, { name: 'redis', ok: true }] },
    });
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    await Promise.all(running.splice(0).map((s) => s.close()));
  } finally {
    await redis.stop();
  }
});

describe('request log sampling', () => {
  it('logs a sampled share, and every 5xx whatever the rate', () => {
    const lines: unknown[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    let r = 0;
    const rolls = [0.1, 0.6, 0.2, 0.9];
    const log = createRequestLog(logger, 0.5, () => rolls[r++ % rolls.length]);
    const line = (status: number) => ({ method: 'GET', route: '/x', status, duration_ms: 1, bytes_in: 0, bytes_out: 2, credential: null, organization: null });
    for (let i = 0; i < 4; i++) log(line(200));
    log(line(503));
    log(line(500));
    expect(lines.map((l) => (l as { status: number }).status)).toEqual([200, 200, 503, 500]);
    const none = createRequestLog(logger, 0, () => 0);
    none(line(200));
    none(line(404));
    expect(lines).toHaveLength(4);
  });
});
