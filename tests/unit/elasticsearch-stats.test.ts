import { describe, expect, it } from 'vitest';
import { entryDocument, type EntryDocument } from '../../exporters/elasticsearch/entry-document.js';
import { indexNames } from '../../exporters/elasticsearch/index-names.js';
import { COMPOSITE_PAGE, statsAggregations, statsQuery, StatsGroups } from '../../exporters/elasticsearch/stats-aggs.js';
import { queryStats } from '../../exporters/elasticsearch/stats-reader.js';
import { durationBucket, histogramPercentile } from '../../model/duration-histogram.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { generateEntries } from '../conformance/dataset.js';
import { expectedStats } from '../conformance/expected-stats.js';
import { fakeClient, searchReply } from './elasticsearch-fake-client.js';

const names = indexNames('agent-ledger');

describe('elasticsearch stats requests', () => {
  it('filters by scope, agent and the inclusive µs range of the entries themselves', () => {
    expect(statsQuery({ scope: { organization_id: 'o', user_id: 'u' }, agent_id: 'a', start_us: 1, end_us: 2 })).toEqual({
      bool: { filter: [{ term: { organization_id: 'o' } }, { term: { user_id: 'u' } }, { range: { ts_us: { gte: 1, lte: 2 } } }, { term: { agent_id: 'a' } }] },
    });
  });

  it('sums integers per outcome and walks names, agents and duration buckets with composite aggregations (exact distinct counts)', () => {
    const aggs = statsAggregations() as any;
    expect(aggs.outcomes).toEqual({ terms: { field: 'outcome', size: 10 }, aggs: { cost: { sum: { field: 'cost_nanos' } }, duration: { sum: { field: 'duration_us' } } } });
    expect(aggs.names.composite).toEqual({ size: COMPOSITE_PAGE, sources: [{ key: { terms: { field: 'name' } } }] });
    expect(aggs.agents.composite.sources).toEqual([{ key: { terms: { field: 'agent_id' } } }]);
    expect(aggs.durations).toEqual({ composite: { size: COMPOSITE_PAGE, sources: [{ key: { terms: { field: 'duration_bucket' } } }] } });
    expect(JSON.stringify(aggs)).not.toContain('cardinality');
  });
});

describe('a recorded aggregation response → LedgerStats', () => {
  // as Elasticsearch 9 answers statsAggregations() (values of `sum` are doubles)
  const recorded = {
    outcomes: {
      doc_count_error_upper_bound: 0, sum_other_doc_count: 0,
      buckets: [
        { key: 'success', doc_count: 3, cost: { value: 30000193.0 }, duration: { value: 4500.0 } },
        { key: 'error', doc_count: 1, cost: { value: 50000000.0 }, duration: { value: 1000000.0 } },
      ],
    },
    names: {
      after_key: { key: 'web_search' },
      buckets: [
        { key: { key: 'database_query' }, doc_count: 2, cost: { value: 20000193.0 } },
        { key: { key: 'send_email' }, doc_count: 1, cost: { value: 50000000.0 } },
        { key: { key: 'web_search' }, doc_count: 1, cost: { value: 10000000.0 } },
      ],
    },
    agents: { after_key: { key: 'b' }, buckets: [{ key: { key: 'a' }, doc_count: 3, cost: { value: 70000193.0 } }, { key: { key: 'b' }, doc_count: 1, cost: { value: 10000000.0 } }] },
    durations: { after_key: { key: 99 }, buckets: [{ key: { key: 39 }, doc_count: 3 }, { key: { key: 99 }, doc_count: 1 }] },
  };

  it('adds up counts, sums and the exact top lists; percentiles from the shared buckets', () => {
    const groups = new StatsGroups();
    groups.addOutcomes(recorded.outcomes);
    for (const g of ['names', 'agents', 'durations'] as const) expect(groups.addComposite(g, recorded[g])).toBeNull();
    const histogram = new Map([[39, 3], [99, 1]]);
    expect(groups.result()).toEqual({
      total_actions: 4,
      total_cost_usd: 0.080000193,
      success_count: 3,
      error_count: 1,
      blocked_count: 0,
      average_duration_ms: 251.125,
      unique_agents: 2,
      unique_action_types: 3,
      p50_duration_ms: histogramPercentile(histogram, 50),
      p95_duration_ms: histogramPercentile(histogram, 95),
      percentiles_relative_error: 0.049,
      top_actions: [
        { name: 'send_email', count: 1, cost_usd: 0.05 },
        { name: 'database_query', count: 2, cost_usd: 0.020000193 },
        { name: 'web_search', count: 1, cost_usd: 0.01 },
      ],
      top_agents: [{ agent_id: 'a', count: 3, cost_usd: 0.070000193 }, { agent_id: 'b', count: 1, cost_usd: 0.01 }],
    });
  });

  it('asks for the next page only after a full one', () => {
    const groups = new StatsGroups();
    const full = { after_key: { key: 'k999' }, buckets: Array.from({ length: COMPOSITE_PAGE }, (_, i) => ({ key: { key: `k${i}` }, doc_count: 1, cost: { value: 0 } })) };
    expect(groups.addComposite('names', full)).toEqual({ key: 'k999' });
  });
});

/** A fake cluster that aggregates the documents it holds, composite pages and all, as Elasticsearch would. */
function aggregatingCluster(docs: EntryDocument[]) {
  const composite = (field: keyof EntryDocument, spec: any, withCost: boolean) => {
    const groups = new Map<string | number, { n: number; cost: number }>();
    for (const d of docs) {
      const k = d[field] as string | number | null;
      if (k === null) continue;
      const g = groups.get(k) ?? { n: 0, cost: 0 };
      g.n++;
      g.cost += d.cost_nanos;
      groups.set(k, g);
    }
    const keys = [...groups.keys()].sort((a, b) => (typeof a === 'number' ? a - (b as number) : Buffer.compare(Buffer.from(a), Buffer.from(b as string))));
    const from = spec.after ? keys.indexOf(spec.after.key) + 1 : 0;
    const page = keys.slice(from, from + spec.size);
    return {
      ...(page.length ? { after_key: { key: page[page.length - 1] } } : {}),
      buckets: page.map((k) => ({ key: { key: k }, doc_count: groups.get(k)!.n, ...(withCost ? { cost: { value: groups.get(k)!.cost } } : {}) })),
    };
  };
  return fakeClient((req) => {
    const aggs: Record<string, unknown> = {};
    for (const [name, agg] of Object.entries<any>(req.body.aggs)) {
      if (name === 'outcomes') {
        const buckets = ['success', 'error', 'blocked'].map((o) => {
          const of = docs.filter((d) => d.outcome === o);
          return { key: o, doc_count: of.length, cost: { value: of.reduce((s, d) => s + d.cost_nanos, 0) }, duration: { value: of.reduce((s, d) => s + d.duration_us, 0) } };
        });
        aggs.outcomes = { buckets: buckets.filter((b) => b.doc_count > 0) };
      } else {
        const field = agg.composite.sources[0].key.terms.field as keyof EntryDocument;
        aggs[name] = composite(field, agg.composite, field !== 'duration_bucket');
      }
    }
    return searchReply([], docs.length, { aggregations: aggs });
  });
}

describe('elasticsearch stats over many distinct names', () => {
  it('walks every composite page and agrees with the contract exactly', async () => {
    const base = generateEntries()[2];
    const entries: EntryRecord[] = Array.from({ length: 2600 }, (_, i) => ({
      ...base, id: `id${i}`, name: `tool_${i % 2300}`, agent_id: i % 7 ? `agent-${i % 1100}` : null,
      cost_nanos: (i * 37) % 5000, duration_ms: 1 + (i % 400) * 2.5, outcome: i % 5 ? 'success' : i % 2 ? 'error' : 'blocked',
    }));
    const { client, requests } = aggregatingCluster(entries.map(entryDocument));
    const stats = await queryStats(client, names, { scope: { organization_id: null } });
    const { p50_duration_ms, p95_duration_ms, percentiles_relative_error: _e, ...exact } = stats;
    expect(exact).toEqual(expectedStats(entries, { scope: { organization_id: null } }).exact);
    const histogram = new Map<number, number>();
    for (const e of entries) histogram.set(durationBucket(e.duration_ms), (histogram.get(durationBucket(e.duration_ms)) ?? 0) + 1);
    expect([p50_duration_ms, p95_duration_ms]).toEqual([histogramPercentile(histogram, 50), histogramPercentile(histogram, 95)]);
    // one request for everything, then rounds carrying every unfinished group: names and agents page 2, then names page 3
    // (three scans of the entries, not one per group page)
    expect(requests.map((r) => Object.keys(r.body.aggs).join(','))).toEqual(['outcomes,names,agents,durations', 'names,agents', 'names']);
    // and none of them may come back partial
    for (const r of requests) expect(new URLSearchParams(r.querystring).get('allow_partial_search_results')).toBe('false');
  });
});
