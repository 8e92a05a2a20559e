import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeJsonRequestAsProtobuf } from '../../collector/otlp/otlp-codec.js';
import { grpcExport } from '../helpers/grpc-client.js';
import { parsePrometheusText, valueOf } from '../helpers/prometheus-text.js';
import { CAN_STOP_REDIS, startPrivateRedis } from '../helpers/redis-server.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const started: ServerProcess[] = [];
let redis: Awaited<ReturnType<typeof startPrivateRedis>> | null = null;
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop('SIGKILL')));
  await redis?.stop();
  redis = null;
});

async function json(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!CAN_STOP_REDIS)('health of the receiver and worker roles while Redis is down (needs REDIS_URL and redis-server; skipped without them)', () => {
  it('keeps /healthz at 200 and turns /readyz to 503 naming redis and the queue; the worker counts what it wrote', async () => {
    redis = await startPrivateRedis();
    const redisUrl = redis.url;
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-obs-redis-'));
    const env = { REDIS_URL: redisUrl, AGENT_LEDGER_QUEUE_PREFIX: 'obs' };
    const receiver = await startServerProcess({ role: 'receiver', dataDir, env });
    started.push(receiver);
    const worker = await startServerProcess({ role: 'worker', dataDir, env });
    started.push(worker);

    expect(await json(`${receiver.metricsUrl}/readyz`)).toEqual({
      status: 200,
      body: { status: 'ready', checks: [{ name: 'store', ok: true }, { name: 'queue', ok: true }, { name: 'redis', ok: true }, { name: 'otlp_grpc', ok: true }] },
    });
    expect(await json(`${worker.metricsUrl}/readyz`)).toEqual({
      status: 200,
      body: { status: 'ready', checks: [{ name: 'store', ok: true }, { name: 'redis', ok: true }] },
    });

    const now = BigInt(Date.now()) * 1_000_000n;
    const spans = [1, 2, 3].map((i) => ({
      traceId: 'e'.repeat(31) + i,
      spanId: 'f'.repeat(15) + i,
      name: 'op',
      startTimeUnixNano: String(now - 2_000_000_000n),
      endTimeUnixNano: String(now - 1_000_000_000n),
    }));
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
    const res = await fetch(receiver.otlpUrl, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...receiver.auth } });
    expect(res.status).toBe(200);
    // the receiver role serves OTLP/gRPC too, onto the same queue
    const viaGrpc = [{ ...spans[0], traceId: 'd'.repeat(32) }];
    const grpcBody = encodeJsonRequestAsProtobuf({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: viaGrpc }] }] });
    expect((await grpcExport(receiver.otlpGrpcAddress, Buffer.from(grpcBody), { authorization: receiver.auth.Authorization })).err).toBeNull();
    const scrape = async (s: ServerProcess) => parsePrometheusText(await (await fetch(`${s.metricsUrl}/metrics`)).text()).samples;
    await waitFor('the worker to write 4 rows', async () => valueOf(await scrape(worker), 'agent_ledger_store_rows_written_total') === 4);
    expect(valueOf(await scrape(receiver), 'agent_ledger_otlp_spans_accepted_total', { encoding: 'json' })).toBe(3);
    expect(valueOf(await scrape(receiver), 'agent_ledger_otlp_spans_accepted_total', { encoding: 'grpc' })).toBe(1);
    const depth = await scrape(worker);
    expect(valueOf(depth, 'agent_ledger_queue_envelopes', { state: 'waiting' })).toBe(0);
    expect(valueOf(depth, 'agent_ledger_queue_oldest_age_seconds')).toBe(0);

    await redis.stop();
    for (const s of [receiver, worker]) expect((await json(`${s.metricsUrl}/healthz`)).status).toBe(200);
    const receiverReady = await json(`${receiver.metricsUrl}/readyz`);
    expect(receiverReady.status).toBe(503);
    expect(receiverReady.body.checks).toEqual([
      { name: 'store', ok: true },
      { name: 'queue', ok: false, error: expect.any(String) },
      { name: 'redis', ok: false, error: expect.any(String) },
      { name: 'otlp_grpc', ok: true },
    ]);
    const workerReady = await json(`${worker.metricsUrl}/readyz`);
    expect(workerReady.status).toBe(503);
    expect(workerReady.body.checks).toEqual([
      { name: 'store', ok: true },
      { name: 'redis', ok: false, error: expect.any(String) },
    ]);
    // a scrape still answers, promptly, without the gauges it cannot read
    const t0 = Date.now();
    const down = await scrape(worker);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(valueOf(down, 'agent_ledger_queue_envelopes', { state: 'waiting' })).toBeUndefined();
    expect(valueOf(down, 'agent_ledger_store_rows_written_total')).toBe(4);
  });
});
