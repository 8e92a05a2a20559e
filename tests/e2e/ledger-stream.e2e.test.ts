import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, createKey, ids, sendSpans, type TestSpan } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { openStream, type SseStream } from '../helpers/sse-client.js';

/**
 * GET /api/v1/ledger/stream against the compiled server: new entries only,
 * the caller's scope on every event, Last-Event-ID resume without gaps or
 * repeats (a late span into an older day included), heartbeats, the stream
 * caps and the shutdown.
 */

const PATH = '/api/v1/ledger/stream';
const DAY_MS = 86_400_000;
let server: ServerProcess;
const keys = {} as Record<'acme' | 'alice' | 'bob' | 'globex' | 'exportOnly' | 'second', string>;
const open: SseStream[] = [];

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
async function stream(key: string, query = '', headers: Record<string, string> = {}): Promise<SseStream> {
  const s = await openStream(server.apiUrl, `${PATH}${query}`, { ...bearer(key), ...headers });
  open.push(s);
  return s;
}
const span = (agent: string, name: string, atMs = Date.now()): TestSpan => ({ agent, name, atMs, ...ids() });
const names = (s: SseStream) => s.events.map((e) => JSON.parse(e.data).name as string);
/** Several polls (poll_ms is 100 here): what was going to arrive has arrived. */
const settle = () => new Promise((r) => setTimeout(r, 800));

beforeAll(async () => {
  server = await startServerProcess({
    env: {
      AGENT_LEDGER_STREAM_POLL_MS: '100',
      AGENT_LEDGER_STREAM_HEARTBEAT_MS: '300',
      AGENT_LEDGER_STREAM_MAX_PER_CREDENTIAL: '2',
      AGENT_LEDGER_STREAM_MAX_BUFFER_BYTES: '65536',
    },
  });
  keys.acme = createKey(server, 'acme', 'ingest,read');
  keys.second = createKey(server, 'acme', 'read');
  keys.alice = createKey(server, 'acme', 'ingest,read', 'user', 'alice');
  keys.bob = createKey(server, 'acme', 'ingest,read', 'user', 'bob');
  keys.globex = createKey(server, 'globex', 'ingest,read');
  keys.exportOnly = createKey(server, 'acme', 'export');
}, 60_000);

afterAll(async () => {
  for (const s of open) s.close();
  await server?.stop();
});

describe('GET /api/v1/ledger/stream', () => {
  it('sends new entries that match, exactly as GET /api/v1/ledger returns them, and nothing else', async () => {
    await sendSpans(server, keys.acme, [span('filter-bot', 'before_the_stream')]);
    await settle();
    const s = await stream(keys.acme, '?agent_id=filter-bot');
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    await sendSpans(server, keys.acme, [span('filter-bot', 'match_one'), span('other-bot', 'other_agent')]);
    await sendSpans(server, keys.globex, [span('filter-bot', 'globex_same_agent')]);
    await sendSpans(server, keys.acme, [span('filter-bot', 'match_two')]);
    await s.waitFor((e) => e.length >= 2);
    await settle();
    expect(names(s)).toEqual(['match_one', 'match_two']);
    expect(s.events.every((e) => e.event === 'entry' && e.id)).toBe(true);
    const page = await callApi(server, 'GET', '/api/v1/ledger?agent_id=filter-bot&sort_by=timestamp&sort_order=asc', { key: keys.acme });
    const expected = page.body.data.filter((e: { name: string }) => e.name.startsWith('match_'));
    expect(s.events.map((e) => JSON.parse(e.data))).toEqual(expected);
    expect(s.retry).toBeGreaterThan(0);
    s.close();
  });

  it('applies the credential\'s scope: never another organization\'s, never another user\'s (user key)', async () => {
    const aliceStream = await stream(keys.alice);
    const orgStream = await stream(keys.acme, '?search=SCOPE_probe');
    const globexStream = await stream(keys.globex, '?search=scope_PROBE');
    await sendSpans(server, keys.bob, [span('shared-bot', 'scope_probe_bob')]);
    await sendSpans(server, keys.globex, [span('shared-bot', 'scope_probe_globex')]);
    await sendSpans(server, keys.alice, [span('shared-bot', 'scope_probe_alice')]);
    await orgStream.waitFor((e) => e.length >= 2);
    await aliceStream.waitFor((e) => e.length >= 1);
    await globexStream.waitFor((e) => e.length >= 1);
    await settle();
    expect(names(aliceStream)).toEqual(['scope_probe_alice']);
    expect(names(orgStream).sort()).toEqual(['scope_probe_alice', 'scope_probe_bob']);
    expect(names(globexStream)).toEqual(['scope_probe_globex']);
    for (const s of [aliceStream, orgStream, globexStream]) s.close();
  });

  it('resumes after Last-Event-ID with exactly the entries missed, a late span into an older day included', async () => {
    const old = Date.now() - 3 * DAY_MS;
    // the older day already holds an entry (its own seq) before the stream's position is taken
    await sendSpans(server, keys.acme, [span('resume-bot', 'older_day_first', old)]);
    await settle();
    const first = await stream(keys.acme, '?agent_id=resume-bot');
    await sendSpans(server, keys.acme, [span('resume-bot', 'seen_live')]);
    await first.waitFor((e) => e.length >= 1);
    const lastId = first.lastId!;
    first.close();
    await first.ended;
    await sendSpans(server, keys.acme, [span('resume-bot', 'missed_today'), span('resume-bot', 'missed_late', old + 60_000)]);
    await sendSpans(server, keys.acme, [span('other-bot', 'missed_other_agent')]);
    await settle();
    const resumed = await stream(keys.acme, '?agent_id=resume-bot', { 'Last-Event-ID': lastId });
    expect(resumed.status).toBe(200);
    await resumed.waitFor((e) => e.length >= 2);
    await sendSpans(server, keys.acme, [span('resume-bot', 'after_resume')]);
    await resumed.waitFor((e) => e.length >= 3);
    await settle();
    expect(names(resumed).slice(0, 2).sort()).toEqual(['missed_late', 'missed_today']);
    expect(names(resumed)).toHaveLength(3);
    expect(names(resumed)[2]).toBe('after_resume');
    resumed.close();

    // resuming from the same id again gives the same entries: nothing was consumed
    const again = await stream(keys.acme, '?agent_id=resume-bot', { 'Last-Event-ID': lastId });
    await again.waitFor((e) => e.length >= 3);
    await settle();
    expect(names(again).sort()).toEqual(['after_resume', 'missed_late', 'missed_today']);
    again.close();
  });

  it('moves Last-Event-ID past entries that did not match (an id without an event), so a resume need not read them again', async () => {
    const s = await stream(keys.acme, '?agent_id=quiet-bot');
    const opened = s.lastId;
    expect(opened).not.toBeNull();
    await sendSpans(server, keys.acme, [span('noisy-bot', 'not_for_quiet')]);
    const until = Date.now() + 5000;
    while (s.lastId === opened && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(s.lastId).not.toBe(opened);
    expect(s.events).toEqual([]);
    s.close();
  });

  it('sends `: ping` heartbeats', async () => {
    const s = await stream(keys.second);
    const until = Date.now() + 5000;
    while (!s.comments.includes(' ping') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(s.comments).toContain(' ping');
    s.close();
  });

  it('refuses a bad Last-Event-ID, `q` and unknown parameters with a 400 naming them', async () => {
    for (const bad of ['x', 'AA', 'Acy_Aio=', '../../etc', 'A'.repeat(8000)]) {
      const s = await stream(keys.second, '', { 'Last-Event-ID': bad });
      await s.ended;
      expect(s.status, bad.slice(0, 20)).toBe(400);
      expect(JSON.parse(s.text).error.message).toContain('`Last-Event-ID`');
    }
    for (const [query, name] of [['?q=refund', 'q'], ['?outcome=nope', 'outcome'], ['?sort_by=cost', 'sort_by']]) {
      const res = await callApi(server, 'GET', `${PATH}${query}`, { key: keys.second });
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.message, query).toContain(`\`${name}\``);
    }
  });

  it('needs a credential with `read`', async () => {
    expect((await callApi(server, 'GET', PATH, { key: null })).status).toBe(401);
    const res = await callApi(server, 'GET', PATH, { key: keys.exportOnly });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  it('caps open streams per credential (429 RATE_LIMITED), counts them in agent_ledger_sse_clients, and frees a slot on close', async () => {
    const gauge = async () => Number(/^agent_ledger_sse_clients (\d+)$/m.exec(await (await fetch(`${server.metricsUrl}/metrics`)).text())?.[1]);
    const waitGauge = async (n: number) => {
      const until = Date.now() + 5000;
      while ((await gauge()) !== n && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await gauge()).toBe(n);
    };
    await waitGauge(0);
    const a = await stream(keys.second);
    const b = await stream(keys.second);
    await waitGauge(2);
    const third = await stream(keys.second);
    await third.ended;
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    expect(JSON.parse(third.text).error.code).toBe('RATE_LIMITED');
    // another credential has slots of its own
    const other = await stream(keys.acme);
    expect(other.status).toBe(200);
    await waitGauge(3);
    a.close();
    other.close();
    await waitGauge(1);
    const again = await stream(keys.second);
    expect(again.status).toBe(200);
    again.close();
    b.close();
    await waitGauge(0);
  });

  it('disconnects a client that stops reading instead of buffering for it', async () => {
    const url = new URL(server.apiUrl);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: `${PATH}?agent_id=flood-bot`, headers: bearer(keys.acme) }, resolve);
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(200);
    res.pause();
    const closed = new Promise<void>((r) => res.socket.once('close', () => r()));
    const big = 'y'.repeat(60_000);
    // ~24 MB of matching entries: past the socket buffers and the server's 64 KiB allowance
    for (let i = 0; i < 8; i++) {
      await sendSpans(server, keys.acme, Array.from({ length: 50 }, (_, k) => ({ ...span('flood-bot', `flood_${i}_${k}`), attributes: [{ key: 'blob', value: { stringValue: big } }] })));
    }
    const gauge = async () => Number(/^agent_ledger_sse_clients (\d+)$/m.exec(await (await fetch(`${server.metricsUrl}/metrics`)).text())?.[1]);
    const until = Date.now() + 15_000;
    while ((await gauge()) !== 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await gauge()).toBe(0);
    // what it had been sent still arrives, then the stream ends: the client resumes from its last id
    res.resume();
    res.on('data', () => undefined);
    await closed;
  }, 60_000);

  it('ends open streams when the server shuts down, and the server exits', async () => {
    const s = await stream(keys.acme);
    expect(s.status).toBe(200);
    const started = Date.now();
    const code = await server.stop('SIGTERM');
    await s.ended;
    expect(code).toBe(0);
    // not held open until the keep-alive timeout
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
