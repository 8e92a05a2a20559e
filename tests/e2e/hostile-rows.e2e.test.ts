import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { normalizeOne } from '../helpers/normalize-spans.js';
import { everyReadAnswers } from '../helpers/read-routes.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * No stored row can make a read fail (DESIGN.md, Decisions: Time window).
 * The receiver now refuses such times, so the rows are written straight into
 * the store, as an older version (which took a span of 1e30 ns) or another
 * writer (activity reports under a broken clock) left them; then every read
 * route of a fresh server on that data directory must answer 200.
 * Run `npm run build` first.
 */

const HOSTILE_US = [
  1e27, // a span of 1e30 ns, as versions before the time window stored it
  -1e27,
  18_446_744_073_709_551, // fixed64 max ns
  8.64e18 + 1, // just past what a Date holds
  -8.64e18 - 1,
  253_402_300_800_000_000, // 10000-01-01
  0,
  -1,
  1_700_000_000_000_000.5,
  Number.MAX_SAFE_INTEGER,
];

let server: ServerProcess;
let dataDir: string;

beforeAll(async () => {
  server = await startServerProcess();
  dataDir = server.dataDir;
  const fixture = readFileSync(join(FIXTURES_DIR, 'otel-genai/01.json'));
  const res = await fetch(server.otlpUrl, { method: 'POST', body: fixture, headers: { 'Content-Type': 'application/json', ...server.auth } });
  expect(res.status).toBe(200);
  await server.stop();

  let nowUs = Date.now() * 1000;
  const store = await createSqliteStore({ file: join(dataDir, 'ledger.db'), writer: 'inline', clock: () => nowUs });
  try {
    const entries = HOSTILE_US.flatMap((us, i) => {
      const traceId = (i + 1).toString(16).padStart(32, 'b');
      const base = { organizationId: 'default' };
      const root = normalizeOne({ 'gen_ai.agent.id': `hostile-${i}` }, { traceId, spanId: '1'.repeat(15) + 'a', status: { code: 2, message: 'boom' } }, base);
      const child = normalizeOne({ 'gen_ai.agent.id': `hostile-${i}` }, { traceId, spanId: '2'.repeat(15) + 'a', parentSpanId: '1'.repeat(15) + 'a' }, base);
      return [
        { ...root, start_us: us, end_us: us, duration_ms: 0 },
        // ends before it starts, by a lot
        { ...child, start_us: us, end_us: -us || -1e27, duration_ms: (-us - us) / 1000 || -1e24 },
      ];
    });
    await store.ledger.write(entries);
    const agent = await store.agents.registerAgent({ organization_id: 'default', name: 'clockless', external_ids: ['clockless'] }, { actor_type: 'system', actor_id: null });
    for (const us of HOSTILE_US) {
      nowUs = us;
      await store.agents.reportActivity([{ agent_id: agent.id, event_type: 'incident', severity: 'warning', metadata: { at: us } }], 'test');
    }
  } finally {
    await store.close();
  }
  server = await startServerProcess({ dataDir });
});

afterAll(async () => {
  await server?.stop();
});

describe('reads over rows with hostile times', () => {
  it('answers every read route with 200, export included', async () => {
    await everyReadAnswers(server);
  });

  it('shows a time past the four-digit years as the nearest end of them', async () => {
    const res = await server.get('/api/v1/ledger?agent_id=hostile-0&page_size=10');
    expect(res.status).toBe(200);
    const times = res.body.data.flatMap((e: any) => [e.timestamp, e.end_timestamp]);
    expect(times).toContain('9999-12-31T23:59:59.999999Z');
    expect(times).toContain('0000-01-01T00:00:00.000000Z');
  });
});
