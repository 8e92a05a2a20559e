import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_US } from '../../exporters/agent-store.js';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { indexNames } from '../../exporters/elasticsearch/index-names.js';
import { queryStats } from '../../exporters/elasticsearch/stats-reader.js';
import { queryTimeseries } from '../../exporters/elasticsearch/timeseries-reader.js';
import { HOUR_US, rollupsAnswer, splitRange } from '../../exporters/rollup-rule.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { StatsQuery, Store } from '../../exporters/store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { generateEntries } from '../conformance/dataset.js';
import { statsCases, timeseriesCases } from '../conformance/stats-cases.js';
import { steps } from '../conformance/suite.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient, type SentRequest } from './elasticsearch-fake-client.js';

const names = indexNames('agent-ledger');
const ENTRIES = 'agent-ledger-entries-*';
const ROLLUPS = 'agent-ledger-rollups';

async function emulated(options: { emulator?: ElasticsearchEmulator; now?: () => number; retry?: { attempts: number; baseDelayMs: number; maxDelayMs: number } } = {}) {
  const emulator = options.emulator ?? new ElasticsearchEmulator();
  const { client, requests } = fakeClient(emulator.handle);
  const store = await createElasticsearchStore({ node: 'unused', client, now: options.now, retry: options.retry });
  return { emulator, client, requests, store };
}

/** The indices searched by the requests after `from`, in order. */
const searched = (requests: SentRequest[], from: number) => requests.slice(from).filter((r) => r.path.endsWith('/_search')).map((r) => decodeURIComponent(r.path.split('/')[1]));

/** Ground truth: aggregations over the entries (the path without rollups). */
const ALL: StatsQuery = { scope: { organization_id: null } };

describe('elasticsearch stats and time series through the hourly rollups (conformance data)', () => {
  let es: Awaited<ReturnType<typeof emulated>>;
  let sqlite: Store;
  let dir: string;

  beforeAll(async () => {
    es = await emulated();
    dir = mkdtempSync(join(tmpdir(), 'es-rollups-'));
    sqlite = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
    for (const step of steps) {
      await es.store.ledger.write(step.batch);
      await sqlite.ledger.write(step.batch);
    }
    await es.store.refresh();
  });
  afterAll(async () => {
    await es.store.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of statsCases()) {
    it(`stats, ${c.caption}: the path the rule says, and SQLite's answer to the last field`, async () => {
      const mark = es.requests.length;
      const got = await es.store.ledger.stats(c.query);
      const indices = searched(es.requests, mark);
      const split = splitRange(c.query.start_us, c.query.end_us, null);
      if (rollupsAnswer(c.query) && split.hours) {
        expect(indices.filter((i) => i === ROLLUPS)).toHaveLength(1);
        // the entries only for the partial hours at the edges, one search each
        expect(indices.filter((i) => i === ENTRIES)).toHaveLength(split.edges.length);
      } else {
        expect(indices).not.toContain(ROLLUPS);
      }
      expect(got).toEqual(await sqlite.ledger.stats(c.query));
      expect(got).toEqual(await queryStats(es.client, names, c.query));
    });
  }

  for (const c of timeseriesCases()) {
    it(`time series, ${c.caption}: the path the rule says, and SQLite's answer`, async () => {
      const mark = es.requests.length;
      const got = await es.store.ledger.timeseries(c.query);
      const indices = searched(es.requests, mark);
      const split = splitRange(c.query.start_us, c.query.end_us, null);
      expect(indices.includes(ROLLUPS)).toBe(rollupsAnswer(c.query) && split.hours !== null);
      if (rollupsAnswer(c.query) && split.hours) expect(indices.filter((i) => i === ENTRIES)).toHaveLength(split.edges.length);
      expect(got).toEqual(await sqlite.ledger.timeseries(c.query));
      expect(got).toEqual(await queryTimeseries(es.client, names, c.query));
    });
  }
});

/** Copies of entries at other times, as new spans (new ids). */
function movedTo(entries: readonly EntryRecord[], startUs: number): EntryRecord[] {
  const first = Math.min(...entries.map((e) => e.start_us));
  return entries.map((e) => {
    const start = startUs + (e.start_us - first);
    return { ...e, id: randomUUID(), span_id: randomBytes(8).toString('hex'), start_us: start, end_us: start + (e.end_us - e.start_us) };
  });
}

describe('elasticsearch stats rollups: a redelivered batch is never counted twice', () => {
  const batch = generateEntries().slice(0, 60);

  it('the same batch again, and again after its markers were lost (the rollup documents remember the write)', async () => {
    const { store, client } = await emulated();
    await store.ledger.write(batch);
    await store.refresh();
    const once = await store.ledger.stats(ALL);
    expect(once.total_actions).toBe(60);
    expect(once).toEqual(await queryStats(client, names, ALL));
    await store.ledger.write(batch);
    await store.refresh();
    expect(await store.ledger.stats(ALL)).toEqual(once);
    // a crash between the rollup updates and the markers: the markers never came
    await client.deleteByQuery({ index: names.runApplied, query: { match_all: {} }, refresh: true });
    expect(await store.ledger.write([...batch].reverse())).toEqual({ inserted: 0 });
    await store.refresh();
    expect(await store.ledger.stats(ALL)).toEqual(once);
    expect(await store.ledger.timeseries({ ...ALL, interval: 'hour', start_us: batch[0].start_us - DAY_US, end_us: batch[0].start_us + 30 * DAY_US })).toEqual(
      await queryTimeseries(client, names, { ...ALL, interval: 'hour', start_us: batch[0].start_us - DAY_US, end_us: batch[0].start_us + 30 * DAY_US }),
    );
  });

  it('entries whose rollup updates were refused are counted when their batch comes again, once, with new ones mixed in', async () => {
    const { store, client, emulator } = await emulated({ retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    emulator.pressure.rejectItems.update = 1_000_000;
    await expect(store.ledger.write(batch.slice(0, 40))).rejects.toThrow();
    emulator.pressure.rejectItems.update = 0;
    await store.refresh();
    // the entries are in, the rollups hold none of them
    expect((await client.count({ index: names.entriesPattern })).count).toBe(40);
    expect((await store.ledger.stats(ALL)).total_actions).toBe(0);
    expect(await store.ledger.write(batch)).toEqual({ inserted: 20 });
    await store.refresh();
    const stats = await store.ledger.stats(ALL);
    expect(stats.total_actions).toBe(60);
    expect(stats).toEqual(await queryStats(client, names, ALL));
  });
});

describe('elasticsearch stats rollups: retention', () => {
  it('drops the hours before the cutoff and counts the hour it cuts again from the entries left; a second sweep changes nothing', async () => {
    const cutoff = Date.UTC(2026, 0, 10, 12, 30) * 1000;
    const nowUs = cutoff + 400 * DAY_US;
    const { store, client } = await emulated({ now: () => nowUs });
    const base = generateEntries().filter((e) => e.organization_id === 'org_a').slice(0, 4);
    const [gone, goneInHour, keptInHour, kept] = [
      movedTo([base[0]], cutoff - 3 * HOUR_US),
      movedTo([base[1]], cutoff - 60_000_000),
      movedTo([base[2]], cutoff + 60_000_000),
      movedTo([base[3]], cutoff + 5 * HOUR_US),
    ].map(([e]) => e);
    await store.ledger.write([gone, goneInHour, keptInHour, kept]);
    await store.refresh();
    const org = { scope: { organization_id: 'org_a' } };
    expect((await store.ledger.stats(org)).total_actions).toBe(4);
    for (let i = 0; i < 2; i++) {
      await store.agents.sweepExpired({ now_us: nowUs, batch_size: 100 });
      await store.refresh();
      const stats = await store.ledger.stats(org);
      expect(stats.total_actions).toBe(2);
      expect(stats).toEqual(await queryStats(client, names, org));
      const cutHour = Math.floor(cutoff / HOUR_US);
      const left = await client.search({ index: names.rollups, size: 100, query: { bool: { filter: [{ term: { organization_id: 'org_a' } }, { range: { hour: { lt: cutHour } } }] } } });
      expect(left.hits.hits).toEqual([]);
    }
  });
});

describe('elasticsearch stats rollups: a cluster that held entries before them', () => {
  it('answers the hours before the rollups began from the entries, the hours after from the rollups, exactly', async () => {
    const old = generateEntries().slice(0, 50);
    const nowUs = Math.max(...old.map((e) => e.start_us)) + 10 * DAY_US;
    const emulator = new ElasticsearchEmulator();
    const first = await emulated({ emulator, now: () => nowUs });
    await first.store.ledger.write(old);
    // as an earlier release left it: entries, no rollups
    await first.client.indices.delete({ index: names.rollups });
    const { store, client, requests } = await emulated({ emulator, now: () => nowUs });
    const boundary = Math.floor(nowUs / HOUR_US) + 1;
    const fresh = movedTo(old.slice(0, 30), (boundary + 2) * HOUR_US + 5);
    await store.ledger.write(fresh);
    await store.refresh();
    const mark = requests.length;
    const all = await store.ledger.stats(ALL);
    expect(all.total_actions).toBe(80);
    expect(all).toEqual(await queryStats(client, names, ALL));
    // rollups for the hours from the boundary, the entries for the hours before it
    expect(searched(requests, mark).slice(0, 2)).toEqual([ROLLUPS, ENTRIES]);
    const before = { ...ALL, end_us: boundary * HOUR_US - 1 };
    const m2 = requests.length;
    expect(await store.ledger.stats(before)).toEqual(await queryStats(client, names, before));
    expect(searched(requests, m2)).not.toContain(ROLLUPS);
    const series = { ...ALL, interval: 'day' as const, start_us: nowUs - 30 * DAY_US, end_us: nowUs + 3 * DAY_US };
    expect(await store.ledger.timeseries(series)).toEqual(await queryTimeseries(client, names, series));
    // the boundary is kept: a process starting later reads it, not a new one
    const later = await emulated({ emulator, now: () => nowUs + 100 * DAY_US });
    expect(await later.store.ledger.stats(ALL)).toEqual(all);
  });
});
