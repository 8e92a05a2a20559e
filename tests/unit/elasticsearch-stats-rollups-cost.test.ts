import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { indexNames } from '../../exporters/elasticsearch/index-names.js';
import { queryStats } from '../../exporters/elasticsearch/stats-reader.js';
import { HOUR_US, splitRange } from '../../exporters/rollup-rule.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { generateEntries } from '../conformance/dataset.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient, type SentRequest } from './elasticsearch-fake-client.js';

const names = indexNames('agent-ledger');
const DAYS = 30;

/** A month of entries, `perHour` an hour, cycling through the conformance dataset's names, agents, outcomes and durations. */
function month(startUs: number, perHour: number): EntryRecord[] {
  const templates = generateEntries();
  const out: EntryRecord[] = [];
  const total = DAYS * 24 * perHour;
  for (let i = 0; i < total; i++) {
    const t = templates[i % templates.length];
    const start = startUs + Math.floor((i * DAYS * 24 * HOUR_US) / total);
    out.push({ ...t, id: randomUUID(), span_id: randomBytes(8).toString('hex'), start_us: start, end_us: start + (t.end_us - t.start_us) });
  }
  return out;
}

/** What the searches after `from` cost: how many, and how many documents their queries matched (what a cluster scans to aggregate them). */
async function cost(requests: SentRequest[], from: number, count: (index: string, query: unknown) => Promise<number>) {
  const searches = requests.slice(from).filter((r) => r.path.endsWith('/_search'));
  const scanned: Record<string, number> = {};
  for (const s of searches) {
    const index = decodeURIComponent(s.path.split('/')[1]);
    scanned[index] = (scanned[index] ?? 0) + (await count(index, s.body.query));
  }
  return { requests: searches.length, scanned };
}

describe('stats over a month on the emulator: the entries scanned with and without the hourly rollups', () => {
  it('reads rollup documents for the whole hours and entries only for the partial hours at the edges', { timeout: 300_000 }, async () => {
    const emulator = new ElasticsearchEmulator();
    const { client, requests } = fakeClient(emulator.handle);
    const store = await createElasticsearchStore({ node: 'unused', client });
    const startUs = Date.UTC(2025, 2, 1) * 1000;
    // ROLLUP_COST_PER_HOUR=300 for the README's denser measurement (minutes on the emulator)
    const perHour = Number(process.env.ROLLUP_COST_PER_HOUR ?? 20);
    const entries = month(startUs, perHour);
    for (let i = 0; i < entries.length; i += 2000) await store.ledger.write(entries.slice(i, i + 2000));
    await store.refresh();
    const count = async (index: string, query: unknown) => (await client.count({ index, query: query as never })).count;
    // a month cut mid-hour at both ends, as a dashboard asks for it
    const q = { scope: { organization_id: 'org_a' }, start_us: startUs + 30 * 60_000_000, end_us: startUs + DAYS * 24 * HOUR_US - 30 * 60_000_000 };

    let mark = requests.length;
    const before = await queryStats(client, names, q);
    const aggregations = await cost(requests, mark, count);
    mark = requests.length;
    const after = await store.ledger.stats(q);
    const rollups = await cost(requests, mark, count);
    expect(after).toEqual(before);
    console.log(`a month of stats, ${entries.length} entries (${perHour}/hour): aggregations ${JSON.stringify(aggregations)}, rollups ${JSON.stringify(rollups)}`);
    // one walk of the rollups, one aggregation for each partial hour at the edges
    expect(rollups.requests).toBe(3);
    const orgEntries = entries.filter((e) => e.organization_id === 'org_a');
    expect(aggregations.scanned).toEqual({ 'agent-ledger-entries-*': orgEntries.filter((e) => e.start_us >= q.start_us && e.start_us <= q.end_us).length });
    // the entries of the two half hours only
    const edges = splitRange(q.start_us, q.end_us, null).edges;
    expect(edges).toHaveLength(2);
    expect(rollups.scanned['agent-ledger-entries-*']).toBe(orgEntries.filter((e) => edges.some((g) => e.start_us >= g.start_us! && e.start_us <= g.end_us!)).length);
    // one rollup document per (hour, dimension, key): bounded by the keys, not the volume
    const keysPerHour = new Set(orgEntries.map((e) => e.name)).size + new Set(orgEntries.map((e) => e.agent_id)).size + 3 + 200;
    expect(rollups.scanned['agent-ledger-rollups']).toBeLessThanOrEqual((DAYS * 24 - 1) * keysPerHour);
    await store.close();
  });
});
