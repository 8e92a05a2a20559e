import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJsonRequestAsProtobuf } from '../../collector/otlp/otlp-codec.js';
import { everyReadAnswers } from '../helpers/read-routes.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Spans a hostile or broken sender can send (issue 14, items 2 and 3) at the
 * server's default limits: times outside the window are rejected span by
 * span and never stored, huge names, keys and status messages are cut, and
 * every read route still answers afterwards. Run `npm run build` first.
 */

let server: ServerProcess;
const NOW_NS = BigInt(Date.now()) * 1_000_000n;
const DAY_NS = 86_400_000_000_000n;

beforeAll(async () => {
  server = await startServerProcess();
});

afterAll(async () => {
  await server?.stop();
});

let traceCounter = 0;
function traceId(): string {
  return (++traceCounter).toString(16).padStart(32, 'e');
}

/** One OTLP/JSON request of one trace; each entry overrides fields of its span. */
function request(spans: Array<Record<string, unknown>>, resource: Array<Record<string, unknown>> = []) {
  const trace = traceId();
  return {
    trace,
    body: {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hostile-test' } }, ...resource] },
          scopeSpans: [
            {
              scope: { name: 'hostile' },
              spans: spans.map((o, i) => ({
                traceId: trace,
                spanId: (i + 1).toString(16).padStart(16, 'f'),
                name: `span-${i}`,
                startTimeUnixNano: String(NOW_NS - 60_000_000_000n),
                endTimeUnixNano: String(NOW_NS - 59_000_000_000n),
                ...o,
              })),
            },
          ],
        },
      ],
    },
  };
}

async function post(body: unknown, encoding: 'json' | 'protobuf' = 'json', gzip = false) {
  let bytes: Buffer = encoding === 'json' ? Buffer.from(JSON.stringify(body)) : Buffer.from(encodeJsonRequestAsProtobuf(body));
  const headers: Record<string, string> = {
    'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-protobuf',
    ...server.auth,
  };
  if (gzip) {
    bytes = gzipSync(bytes);
    headers['Content-Encoding'] = 'gzip';
  }
  const res = await fetch(server.otlpUrl, { method: 'POST', body: new Uint8Array(bytes), headers });
  return { status: res.status, body: encoding === 'json' ? await res.json() : Buffer.from(await res.arrayBuffer()) };
}

async function entriesOfTrace(trace: string): Promise<any[]> {
  const runId = trace.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const res = await server.get(`/api/v1/ledger?run_id=${runId}&page_size=1000`);
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('the time window', () => {
  const FAR = '1000000000000000000000000000000'; // 1e30 ns
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['start 1e30 as a JSON number', { startTimeUnixNano: 1e30 }, 'startTimeUnixNano'],
    ['start 1e30 as a string', { startTimeUnixNano: FAR }, 'startTimeUnixNano'],
    ['end 1e30 as a JSON number', { endTimeUnixNano: 1e30 }, 'endTimeUnixNano'],
    ['end 1e30 as a string', { endTimeUnixNano: FAR, startTimeUnixNano: String(NOW_NS) }, 'endTimeUnixNano'],
    ['start at 1 ns past the epoch', { startTimeUnixNano: '1' }, 'startTimeUnixNano'],
    ['start in seconds, not nanoseconds', { startTimeUnixNano: String(NOW_NS / 1_000_000_000n) }, 'startTimeUnixNano'],
    ['start and end eleven years ago', { startTimeUnixNano: String(NOW_NS - 4017n * DAY_NS), endTimeUnixNano: String(NOW_NS - 4017n * DAY_NS) }, 'startTimeUnixNano'],
    ['start and end two hours ahead', { startTimeUnixNano: String(NOW_NS + 7200n * 1_000_000_000n), endTimeUnixNano: String(NOW_NS + 7201n * 1_000_000_000n) }, 'startTimeUnixNano'],
    ['no end time', { endTimeUnixNano: '0' }, 'endTimeUnixNano'],
    ['end before start', { endTimeUnixNano: String(NOW_NS - 61_000_000_000n) }, 'endTimeUnixNano'],
    ['start of 0', { startTimeUnixNano: 0 }, 'startTimeUnixNano'],
  ];

  it.each(cases)('rejects a span with %s, names the field, and stores its good neighbours', async (_label, bad, field) => {
    const { trace, body } = request([{}, bad, {}]);
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.body.partialSuccess.rejectedSpans).toBe(1);
    expect(res.body.partialSuccess.errorMessage).toContain(`spans[1].${field}`);
    expect((await entriesOfTrace(trace)).map((e) => e.name).sort()).toEqual(['span-0', 'span-2']);
  });

  it('rejects fixed64 max times in protobuf, answering partial_success in protobuf', async () => {
    const { trace, body } = request([{ startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551615' }, {}]);
    const res = await post(body, 'protobuf');
    expect(res.status).toBe(200);
    expect(res.body.toString('latin1')).toContain('startTimeUnixNano');
    expect((await entriesOfTrace(trace)).map((e) => e.name)).toEqual(['span-1']);
  });

  it('takes a span ten years minus a day old (a replay of old history) and one from slightly ahead of our clock', async () => {
    const old = NOW_NS - 3649n * DAY_NS;
    const ahead = NOW_NS + 600n * 1_000_000_000n;
    const { trace, body } = request([
      { startTimeUnixNano: String(old), endTimeUnixNano: String(old + 1000n) },
      { startTimeUnixNano: String(ahead), endTimeUnixNano: String(ahead + 1000n) },
    ]);
    const res = await post(body);
    expect(res.body).toEqual({});
    expect(await entriesOfTrace(trace)).toHaveLength(2);
  });

  it('leaves every read route answering after the hostile spans', async () => {
    await everyReadAnswers(server);
  });
});

describe('caps on names, keys and status messages', () => {
  const HUGE = 50 * 1024 * 1024;

  it('cuts a 50 MiB span name sent gzipped to the name cap and marks it', async () => {
    const { trace, body } = request([{ name: 'n'.repeat(HUGE) }]);
    const res = await post(body, 'json', true);
    expect(res.status).toBe(200);
    const [entry] = await entriesOfTrace(trace);
    expect(entry.name).toBe('n'.repeat(1024));
    expect(entry.truncated_fields).toContain('name');
    const stats = await server.get('/api/v1/ledger/stats');
    expect(stats.status).toBe(200);
    expect(JSON.stringify(stats.body).length).toBeLessThan(1024 * 1024);
  });

  it('cuts a huge status message, attribute keys (span and resource) and an agent id, naming each', async () => {
    const key = 'k'.repeat(5 * 1024 * 1024);
    const { trace, body } = request(
      [
        {
          status: { code: 2, message: 'm'.repeat(5 * 1024 * 1024) },
          attributes: [
            { key, value: { stringValue: 'v' } },
            { key: 'gen_ai.agent.id', value: { stringValue: 'a'.repeat(60_000) } },
          ],
        },
      ],
      [{ key: `r${key}`, value: { stringValue: 'v' } }],
    );
    const res = await post(body, 'protobuf', true);
    expect(res.status).toBe(200);
    const [entry] = await entriesOfTrace(trace);
    expect(entry.status_message).toBe('m'.repeat(64 * 1024));
    expect(entry.agent_id).toBe('a'.repeat(1024));
    expect(Object.keys(entry.attributes)).toContain('k'.repeat(1024));
    expect(entry.truncated_fields).toEqual(expect.arrayContaining(['status_message', 'agent_id', 'k'.repeat(1024), `resource.r${'k'.repeat(1023)}`]));
    const stats = await server.get('/api/v1/ledger/stats');
    expect(JSON.stringify(stats.body).length).toBeLessThan(1024 * 1024);
    const agents = await server.get('/api/v1/agents?per_page=100');
    expect(agents.status).toBe(200);
    expect(JSON.stringify(agents.body).length).toBeLessThan(1024 * 1024);
  });

  it('quotes only the start of a huge wrongly typed value or key in the rejection message', async () => {
    const key = 'q'.repeat(1024 * 1024);
    const { body } = request([{ attributes: [{ key, value: { intValue: 'x'.repeat(1024 * 1024) } }] }]);
    const res = await post(body);
    expect(res.body.partialSuccess.rejectedSpans).toBe(1);
    expect(res.body.partialSuccess.errorMessage.length).toBeLessThan(1024);
  });
});

describe('int64 and bytes values', () => {
  it('rejects an intValue outside int64, keeps the edges of the range', async () => {
    const int = (value: string) => ({ attributes: [{ key: 'n', value: { intValue: value } }] });
    const { trace, body } = request([
      int('9223372036854775807'),
      int('-9223372036854775808'),
      int('9223372036854775808'),
      int('9'.repeat(100_000)),
      int('-9223372036854775809'),
    ]);
    const res = await post(body);
    expect(res.body.partialSuccess.rejectedSpans).toBe(3);
    expect(res.body.partialSuccess.errorMessage).toContain('spans[2].attributes.n.intValue');
    const stored = (await entriesOfTrace(trace)).sort((a, b) => a.name.localeCompare(b.name));
    expect(stored.map((e) => [e.name, e.attributes.n])).toEqual([
      ['span-0', '9223372036854775807'],
      ['span-1', '-9223372036854775808'],
    ]);
  });

  it('refuses an integer of millions of digits without parsing it (a gzipped request held the receiver for seconds)', async () => {
    const digits = '1' + '0'.repeat(30_000_000);
    const { body } = request([{ startTimeUnixNano: digits }, { attributes: [{ key: 'n', value: { intValue: digits } }] }]);
    const started = Date.now();
    const res = await post(body, 'json', true);
    expect(res.status).toBe(200);
    expect(res.body.partialSuccess.rejectedSpans).toBe(2);
    expect(res.body.partialSuccess.errorMessage).toContain('spans[0].startTimeUnixNano');
    expect(res.body.partialSuccess.errorMessage.length).toBeLessThan(1024);
    // parsing and printing 30 million digits as a BigInt takes tens of seconds; JSON.parse of the body well under one
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('cuts a bytesValue (JSON base64 or protobuf bytes) to the value cap and marks it', async () => {
    for (const encoding of ['json', 'protobuf'] as const) {
      const { trace, body } = request([
        {
          attributes: [
            { key: 'blob', value: { bytesValue: Buffer.alloc(1024 * 1024, 7).toString('base64') } },
            { key: 'list', value: { arrayValue: { values: [{ bytesValue: Buffer.alloc(1024 * 1024, 9).toString('base64') }] } } },
          ],
        },
      ]);
      const res = await post(body, encoding, true);
      expect(res.status).toBe(200);
      const [entry] = await entriesOfTrace(trace);
      expect(entry.attributes.blob.length).toBe(64 * 1024);
      expect(entry.attributes.list[0].length).toBe(64 * 1024);
      expect(entry.truncated_fields).toEqual(expect.arrayContaining(['blob', 'list']));
    }
  });
});
