import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../auth/authenticator.js';
import { createRateLimiter } from '../../auth/rate-limit/index.js';
import type { CredentialStore, LedgerFilter, LedgerStore, LedgerTail, TailEntry, TailPosition } from '../../exporters/store.js';
import { ApiError } from '../../query-api/api-error.js';
import { createQueryApi } from '../../query-api/query-api.js';
import { TailHub, type StreamSink } from '../../query-api/stream/tail-hub.js';

/**
 * The shared poll of query-api/stream/tail-hub.ts over a tail in memory:
 * a stream that resumes while rows keep arriving gets each row once, in
 * order per source; the slots per credential and per process; shutdown.
 */

class MemoryTail implements LedgerTail {
  readonly sources = new Map<string, TailEntry[]>();
  reads = 0;

  add(source: string, n = 1, org = 'acme'): void {
    const rows = this.sources.get(source) ?? [];
    this.sources.set(source, rows);
    for (let i = 0; i < n; i++) {
      const seq = rows.length + 1;
      rows.push({
        source, seq, organization_id: org, user_id: null, outcome: 'success', name: `${source}:${seq}`, agent_id: 'bot', run_id: 'r',
        cost_nanos: 0, ts_us: 0, kind: 'tool', model: null, provider: null, service_name: null, tags: [], conversation_id: null, entities: {},
        json: JSON.stringify({ id: `${source}:${seq}`, organization_id: org }),
      });
    }
  }

  head(): TailPosition {
    return new Map([...this.sources].map(([s, rows]) => [s, rows.length]));
  }

  read(from: TailPosition, limit: number, until?: TailPosition): TailEntry[] {
    this.reads++;
    const out: TailEntry[] = [];
    for (const [source, rows] of [...this.sources].sort()) {
      const upTo = until ? (until.get(source) ?? 0) : Infinity;
      for (const r of rows) if (r.seq > (from.get(source) ?? 0) && r.seq <= upTo && out.length < limit) out.push(r);
    }
    return out;
  }

  encode(p: TailPosition): string {
    return Buffer.from(JSON.stringify([...p])).toString('base64url');
  }

  decode(text: string): TailPosition | null {
    try {
      return new Map(JSON.parse(Buffer.from(text, 'base64url').toString()));
    } catch {
      return null;
    }
  }
}

class MemorySink implements StreamSink {
  text = '';
  ended = false;
  write(t: string): boolean {
    this.text += t;
    return true;
  }
  buffered(): number {
    return 0;
  }
  async drained(): Promise<void> {}
  end(): void {
    this.ended = true;
  }
  ids(): string[] {
    return [...this.text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]).id);
  }
  lastId(): string | null {
    return [...this.text.matchAll(/^id: (.*)$/gm)].at(-1)?.[1] ?? null;
  }
}

const SETTINGS = { max_per_credential: 2, max_clients: 3, poll_ms: 1, heartbeat_ms: 5, max_buffer_bytes: 1 << 20, max_replay_rows: 200_000 };
const scope = (org = 'acme'): LedgerFilter => ({ scope: { organization_id: org } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let hub: TailHub | null = null;
afterEach(() => hub?.close());

describe('TailHub', () => {
  it('a stream resuming while rows keep arriving gets every row after its position once, in order per source', async () => {
    const tail = new MemoryTail();
    tail.add('a', 20_000);
    tail.add('b', 3);
    hub = new TailHub(tail, SETTINGS, pino({ level: 'silent' }));
    const live = new MemorySink();
    hub.open('k1', scope(), null, live);
    const resumed = new MemorySink();
    // resume from a:2 (b unknown to the position: all of it); 20k rows to replay, in chunks, while polls bring new ones
    hub.open('k2', scope(), new Map([['a', 2]]), resumed);
    for (let i = 0; i < 30; i++) {
      tail.add(i % 2 ? 'a' : 'c');
      await sleep(1);
    }
    const expected = [...tail.sources].flatMap(([s, rows]) => rows.filter((r) => !(s === 'a' && r.seq <= 2)).map((r) => r.name));
    // the replay of 20k rows takes its time on a loaded machine: wait for it, then for anything late
    for (let waited = 0; resumed.ids().length < expected.length && waited < 10_000; waited += 20) await sleep(20);
    await sleep(50);
    const got = resumed.ids();
    expect(new Set(got).size).toBe(got.length);
    expect(got.slice().sort()).toEqual(expected.slice().sort());
    for (const s of ['a', 'b', 'c']) {
      const seqs = got.filter((id) => id.startsWith(`${s}:`)).map((id) => Number(id.split(':')[1]));
      expect(seqs).toEqual(seqs.slice().sort((x, y) => x - y));
    }
    // the live stream saw only what came after it opened
    expect(live.ids().sort()).toEqual([...tail.sources].flatMap(([s, rows]) => rows.filter((r) => s === 'c' || (s === 'a' && r.seq > 20_000)).map((r) => r.name)).sort());
    // and its last id resumes to nothing new
    const again = new MemorySink();
    hub.open('k3', scope(), hub.decode(resumed.lastId()!), again);
    await sleep(20);
    expect(again.ids()).toEqual([]);
  });

  it('hands out sealed positions: opaque, fresh each time, refused when forged, altered or sealed by another secret', async () => {
    const tail = new MemoryTail();
    tail.add('a', 3, 'globex');
    hub = new TailHub(tail, SETTINGS, pino({ level: 'silent' }), null, 'secret-one');
    const sink = new MemorySink();
    hub.open('k1', scope(), null, sink);
    await sleep(30);
    const ids = [...sink.text.matchAll(/^id: (.*)$/gm)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(2);
    // heartbeats carry an id sealed afresh: whether another organization wrote meanwhile does not show
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(tail.decode(id)).toBeNull();
      expect(id).not.toContain(tail.encode(tail.head()));
      expect(hub.decode(id)).toEqual(tail.head());
    }
    const id = ids.at(-1)!;
    // what the store would encode, unsealed (an empty position would replay every organization's rows)
    expect(hub.decode(tail.encode(new Map()))).toBeNull();
    expect(hub.decode(tail.encode(new Map([['a', 1]])))).toBeNull();
    expect(hub.decode(`${id.slice(0, 20)}${id[20] === 'A' ? 'B' : 'A'}${id.slice(21)}`)).toBeNull();
    const other = new TailHub(tail, SETTINGS, pino({ level: 'silent' }), null, 'secret-two');
    expect(other.decode(id)).toBeNull();
    expect(new TailHub(tail, SETTINGS, pino({ level: 'silent' }), null, 'secret-one').decode(id)).toEqual(tail.head());
  });

  it('stops replaying past stream.max_replay_rows with a gap event, then follows live', async () => {
    const tail = new MemoryTail();
    tail.add('a', 50);
    hub = new TailHub(tail, { ...SETTINGS, max_replay_rows: 10 }, pino({ level: 'silent' }));
    const resumed = new MemorySink();
    hub.open('k1', scope(), new Map([['a', 1]]), resumed);
    await sleep(30);
    tail.add('a', 2);
    await sleep(30);
    expect(resumed.text).toMatch(/^event: gap$/m);
    const got = resumed.ids().filter(Boolean);
    // ten rows of the replay, then only what arrived live
    expect(got).toEqual(['a:2', 'a:3', 'a:4', 'a:5', 'a:6', 'a:7', 'a:8', 'a:9', 'a:10', 'a:11', 'a:51', 'a:52']);
    expect(new Set(got).size).toBe(got.length);
  });

  it('a resuming stream does not hold the rows of others while it catches up', async () => {
    const tail = new MemoryTail();
    tail.add('a', 3);
    hub = new TailHub(tail, SETTINGS, pino({ level: 'silent' }));
    const resumed = new MemorySink();
    hub.open('k1', scope('acme'), new Map([['a', 1]]), resumed);
    for (let i = 0; i < 20; i++) tail.add('a', 1, 'globex');
    tail.add('a', 1, 'acme');
    await sleep(50);
    expect(resumed.ids()).toEqual(['a:2', 'a:3', 'a:24']);
    // and its position is past the other organization's rows: resuming from it replays nothing
    const again = new MemorySink();
    hub.open('k2', scope('acme'), hub.decode(resumed.lastId()!), again);
    await sleep(20);
    expect(again.ids()).toEqual([]);
  });

  it('a position ahead of this process\'s poll (another process\'s id) gets nothing twice', async () => {
    const tail = new MemoryTail();
    tail.add('a', 3);
    hub = new TailHub(tail, { ...SETTINGS, poll_ms: 50 }, pino({ level: 'silent' }));
    const live = new MemorySink();
    hub.open('k1', scope(), null, live);
    tail.add('a', 2);
    // written and already seen elsewhere, before this process polled
    const ahead = new MemorySink();
    hub.open('k2', scope(), tail.head(), ahead);
    tail.add('a', 1);
    await sleep(150);
    expect(live.ids()).toEqual(['a:4', 'a:5', 'a:6']);
    expect(ahead.ids()).toEqual(['a:6']);
  });

  it('filters per stream by scope, and reads the store once per poll for all streams', async () => {
    const tail = new MemoryTail();
    hub = new TailHub(tail, { ...SETTINGS, max_clients: 10, poll_ms: 20 }, pino({ level: 'silent' }));
    const sinks = ['acme', 'globex', 'acme'].map((org) => {
      const sink = new MemorySink();
      hub!.open(`k-${org}-${Math.random()}`, scope(org), null, sink);
      return [org, sink] as const;
    });
    tail.add('a', 2, 'acme');
    tail.add('a', 1, 'globex');
    const before = tail.reads;
    await sleep(110);
    for (const [org, sink] of sinks) expect(sink.ids().length, org).toBe(org === 'acme' ? 2 : 1);
    // ~5 polls in 110 ms, whatever the number of streams
    expect(tail.reads - before).toBeLessThanOrEqual(7);
    expect(sinks[0][1].text).toMatch(/^: ping$/m);
  });

  it('refuses a stream past the per-credential and per-process caps with a 429, frees slots on stop, ends all on close', () => {
    const tail = new MemoryTail();
    hub = new TailHub(tail, SETTINGS, pino({ level: 'silent' }));
    const stopA1 = hub.open('a', scope(), null, new MemorySink());
    hub.open('a', scope(), null, new MemorySink());
    const refused = (() => {
      try {
        hub!.open('a', scope(), null, new MemorySink());
      } catch (err) {
        return err as ApiError;
      }
    })();
    expect(refused?.status).toBe(429);
    expect(refused?.code).toBe('RATE_LIMITED');
    expect(refused?.headers['Retry-After']).toBeDefined();
    const last = new MemorySink();
    hub.open('b', scope(), null, last);
    expect(() => hub!.open('c', scope(), null, new MemorySink())).toThrow(/stream\.max_clients/);
    stopA1();
    stopA1();
    expect(hub.size).toBe(2);
    hub.open('a', scope(), null, new MemorySink());
    hub.close();
    expect(last.ended).toBe(true);
    expect(hub.size).toBe(0);
    expect(() => hub!.open('d', scope(), null, new MemorySink())).toThrow(/shutting down/);
  });
});

describe('a store that keeps no ingest order (Elasticsearch)', () => {
  it('refuses the stream with a 400 saying why, after the access check', async () => {
    const noCalls = new Proxy({}, { get: () => () => Promise.reject(new Error('the store must not be called')) });
    const api = createQueryApi({
      host: '127.0.0.1',
      port: 0,
      ledger: noCalls as LedgerStore,
      logger: pino({ level: 'silent' }),
      authenticator: createAuthenticator({ store: noCalls as CredentialStore, pepper: 'p', jwt: null, cacheSeconds: 0, anonymousOrganization: 'default' }),
      rateLimiter: createRateLimiter({ limits: { query_per_hour: 1e9, export_per_hour: 1e9, stats_per_hour: 1e9, ingest_per_hour: 1e9 }, redisUrl: null }),
      readiness: [],
      redaction: null,
      agents: { agents: null, redaction: null, maxMetadataBytes: 1024 },
      stream: { tail: null, settings: SETTINGS },
    });
    await api.start();
    try {
      const res = await fetch(`http://127.0.0.1:${api.port()}/api/v1/ledger/stream`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not implemented by this store/);
    } finally {
      await api.close();
    }
  });
});
