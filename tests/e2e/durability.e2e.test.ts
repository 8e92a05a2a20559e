import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { startServerProcess } from '../helpers/server-process.js';

function requestBody(n: number, spansPerRequest: number): string {
  const traceId = (n + 1).toString(16).padStart(32, 'e');
  const spans = Array.from({ length: spansPerRequest }, (_, i) => ({
    traceId,
    spanId: (i + 1).toString(16).padStart(16, 'f'),
    name: `durable-${n}-${i}`,
    startTimeUnixNano: String(1795458428139000000n + BigInt(n * 1000 + i)),
    endTimeUnixNano: String(1795458428239000000n + BigInt(n * 1000 + i)),
    attributes: [{ key: 'ledger.inputs', value: { stringValue: JSON.stringify({ n, i }) } }],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: {}, spans }] }] });
}

describe('durability', () => {
  it('keeps every acknowledged span through kill -9', async () => {
    const server = await startServerProcess();
    const acked: number[] = [];
    const sends = Array.from({ length: 60 }, (_, n) =>
      fetch(server.otlpUrl, { method: 'POST', body: requestBody(n, 50), headers: { 'Content-Type': 'application/json', ...server.auth } })
        .then((res) => {
          if (res.status === 200) acked.push(n);
        })
        .catch(() => undefined),
    );
    // kill as soon as the first requests are acknowledged, while others are in flight
    while (acked.length < 5) await new Promise((r) => setTimeout(r, 1));
    server.child.kill('SIGKILL');
    await Promise.all(sends);
    await server.stop();
    const ackedNow = [...acked];
    expect(ackedNow.length).toBeGreaterThan(0);

    const restarted = await startServerProcess({ dataDir: server.dataDir });
    try {
      const res = await restarted.get('/api/v1/ledger?page_size=1000&sort_by=name&sort_order=asc');
      const stored = new Set(res.body.data.map((e: any) => e.name));
      for (let page = 1; page < res.body.total_pages; page++) {
        const more = await restarted.get(`/api/v1/ledger?page_size=1000&sort_by=name&sort_order=asc&page=${page}`);
        for (const e of more.body.data) stored.add(e.name);
      }
      const missing = ackedNow.flatMap((n) => Array.from({ length: 50 }, (_, i) => `durable-${n}-${i}`)).filter((name) => !stored.has(name));
      expect(missing).toEqual([]);
    } finally {
      await restarted.stop();
    }
  });

  it('drains accepted spans and exits 0 on SIGTERM', async () => {
    const server = await startServerProcess();
    const res = await fetch(server.otlpUrl, { method: 'POST', body: requestBody(900, 20), headers: { 'Content-Type': 'application/json', ...server.auth } });
    expect(res.status).toBe(200);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.logs.some((l) => l.includes('agent-ledger stopped'))).toBe(true);
    const again = await startServerProcess({ dataDir: server.dataDir });
    try {
      expect((await again.get('/api/v1/ledger?search=durable-900')).body.count).toBe(20);
    } finally {
      await again.stop();
    }
  });

  it('refuses with 503 and Retry-After while the in-process queue is full, then takes the accepted spans in', async () => {
    const server = await startServerProcess({ env: { AGENT_LEDGER_QUEUE_MAX_BYTES: '1000' } });
    const blocker = openDatabase(join(server.dataDir, 'ledger.db'));
    blocker.exec('BEGIN IMMEDIATE'); // the store cannot write until this lets go
    try {
      const first = fetch(server.otlpUrl, { method: 'POST', body: requestBody(950, 20), headers: { 'Content-Type': 'application/json', ...server.auth } });
      await new Promise((r) => setTimeout(r, 300));
      const refused = await fetch(server.otlpUrl, { method: 'POST', body: requestBody(951, 20), headers: { 'Content-Type': 'application/json', ...server.auth } });
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      blocker.exec('ROLLBACK');
      expect((await first).status).toBe(200);
      expect((await server.get('/api/v1/ledger?search=durable-950')).body.count).toBe(20);
    } finally {
      if (blocker.inTransaction) blocker.exec('ROLLBACK');
      blocker.close();
      await server.stop();
    }
  });

  it('refuses to start with an invalid setting, naming it', async () => {
    await expect(startServerProcess({ env: { AGENT_LEDGER_HTTP_PORT: 'eighty' } })).rejects.toThrow(/AGENT_LEDGER_HTTP_PORT/);
  });
});
