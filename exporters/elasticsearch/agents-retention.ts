import type { estypes } from '@elastic/elasticsearch';
import { DAY_US, type SweepProgress, type SweepReport } from '../agent-store.js';
import type { ActivityDoc } from './activity-chain.js';
import { retentionByOrganization } from './agents-policy.js';
import type { AgentContext } from './agents-registry.js';
import type { EntryDocument } from './entry-document.js';
import type { IndexNames } from './index-names.js';
import { sweepRollups } from './rollup-retention.js';
import { bulkItem, bulkOutcomes, bulkWithRetry, DEFAULT_RETRY } from './bulk-retry.js';
import { search } from './search-guard.js';
import { collectAll, walkAll, type SearchSpec } from './search-paging.js';

export interface SweepOptions {
  now_us: number;
  batch_size: number;
  progress?: SweepProgress;
}

interface OrgSpan {
  organization_id: string;
  docs: number;
  min_us: number;
  max_us: number;
}

/**
 * Retention on Elasticsearch, the only deletion path (exporters/sqlite/retention-sweeper.ts):
 *
 * - entries: a monthly index whose every document is past its organization's
 *   retention is deleted whole (cheap, and what frees the shard); otherwise each
 *   organization's expired part goes by delete-by-query (`scroll_size` = the batch).
 * - runs that lost entries are rebuilt from the entries left (`recount`: their
 *   run markers go first), or go with their last one; markers older than the
 *   longest retention go with their entries (`-run-applied`, run-markers.ts).
 * - stats rollups: the hours before each organization's cutoff go, the hour
 *   it cuts is counted again from the entries left (rollup-retention.ts);
 * - activity events move to tombstones (place, time and hashes, `_id` as the event's)
 *   before they are deleted, so the chain verifies from the oldest retained link.
 * - lifecycle events, and GenAI log events held for entries (log-messages.ts): delete-by-query.
 *
 * Agent counters and trust state are lifetime aggregates and stay, as on SQLite.
 */
export async function sweepExpired(
  ctx: AgentContext,
  names: IndexNames,
  recount: (documents: readonly EntryDocument[]) => Promise<void>,
  options: SweepOptions,
): Promise<SweepReport> {
  const { client } = ctx;
  const report: SweepReport = { entries: 0, activity_events: 0, lifecycle_events: 0, runs: 0 };
  const days = await retentionByOrganization(ctx);
  const cutoffOf = (org: string) => options.now_us - (days.get(org) ?? ctx.settings.retention_days) * DAY_US;
  const swept = new Set<string>();

  const indices = Object.keys(await client.indices.get({ index: names.entriesPattern, ignore_unavailable: true, allow_no_indices: true })).sort();
  for (const index of indices) {
    const spans = await organizationSpans(ctx, index);
    const expired = spans.filter((s) => s.min_us < cutoffOf(s.organization_id));
    if (!expired.length) continue;
    for (const s of expired) swept.add(s.organization_id);
    if (spans.every((s) => s.max_us < cutoffOf(s.organization_id))) {
      // another sweeping process may have dropped it first
      await client.indices.delete({ index }, { ignore: [404] });
      report.entries += spans.reduce((n, s) => n + s.docs, 0);
    } else {
      for (const s of expired) {
        const r = await client.deleteByQuery({
          index, conflicts: 'proceed', ignore_unavailable: true, refresh: true, scroll_size: options.batch_size,
          query: { bool: { filter: [{ term: { organization_id: s.organization_id } }, { range: { ts_us: { lt: cutoffOf(s.organization_id) } } }] } },
        });
        report.entries += r.deleted ?? 0;
      }
    }
    options.progress?.(report, `index ${index}`);
  }
  for (const org of [...swept].sort()) {
    report.runs += await rebuildRuns(ctx, names, recount, org, cutoffOf(org), options.batch_size);
    options.progress?.(report, `organization ${org}: runs`);
  }

  const orgs = new Set([...swept, ...days.keys(), ...(await collectAll<{ id: string }>(client, { index: names.organizations, query: { match_all: {} }, sort: [{ id: 'asc' }], source: ['id'] }, 1000)).map((o) => o.id)]);
  for (const org of [...orgs].sort()) {
    const cutoff = cutoffOf(org);
    await sweepRollups(client, names, org, cutoff, options.batch_size);
    options.progress?.(report, `organization ${org}: stats rollups`);
    for (;;) {
      const n = await tombstoneActivity(ctx, org, cutoff, options.now_us, options.batch_size);
      report.activity_events += n;
      options.progress?.(report, `organization ${org}: activity`);
      if (n < options.batch_size) break;
    }
    const r = await client.deleteByQuery({
      index: ctx.names.lifecycle, conflicts: 'proceed', refresh: true, scroll_size: options.batch_size,
      query: { bool: { filter: [{ term: { organization_id: org } }, { range: { ts_us: { lt: cutoff } } }] } },
    });
    report.lifecycle_events += r.deleted ?? 0;
    options.progress?.(report, `organization ${org}: lifecycle events`);
  }
  await pruneLogMessages(ctx, names, days, options);
  await pruneRunMarkers(ctx, names, Math.min(options.now_us - ctx.settings.retention_days * DAY_US, ...[...orgs].map(cutoffOf)), options.batch_size);
  return report;
}

/**
 * Held GenAI log events (log-messages.ts) go as their entries do, whether or
 * not an entry ever came for them: each organization with a retention of its
 * own by it, every other one (known or not) by the default.
 */
async function pruneLogMessages(ctx: AgentContext, names: IndexNames, days: ReadonlyMap<string, number>, options: SweepOptions): Promise<void> {
  const cutoff = (d: number) => ({ range: { time_us: { lt: options.now_us - d * DAY_US } } });
  const deletes: estypes.QueryDslQueryContainer[] = [
    ...[...days].map(([org, d]) => ({ bool: { filter: [{ term: { organization_id: org } }, cutoff(d)] } })),
    { bool: { filter: [cutoff(ctx.settings.retention_days)], must_not: [{ terms: { organization_id: [...days.keys()] } }] } },
  ];
  for (const query of deletes) {
    await ctx.client.deleteByQuery({ index: names.logMessages, conflicts: 'proceed', ignore_unavailable: true, refresh: true, scroll_size: options.batch_size, query });
  }
}

/**
 * A marker (run-markers.ts) has no organization, only the time it was
 * written (`at`, ms), which is after its entry arrived; an entry may start up
 * to the receivers' window slack (a month) after that. So a marker older than
 * the earliest cutoff of every organization, less that month and a day, can
 * only be one of an entry retention removed.
 */
async function pruneRunMarkers(ctx: AgentContext, names: IndexNames, earliestCutoffUs: number, batch: number): Promise<void> {
  const before = Math.floor(earliestCutoffUs / 1000) - MARKER_SLACK_MS;
  await ctx.client.deleteByQuery({ index: names.runApplied, conflicts: 'proceed', refresh: true, scroll_size: batch, query: { range: { at: { lt: before } } } });
}

const MARKER_SLACK_MS = 32 * 86_400_000;

/** Each organization's document count and time span in one monthly index. */
async function organizationSpans(ctx: AgentContext, index: string): Promise<OrgSpan[]> {
  const out: OrgSpan[] = [];
  let after: Record<string, estypes.FieldValue> | undefined;
  for (;;) {
    const r = await search(ctx.client, {
      index, size: 0, ignore_unavailable: true,
      aggs: {
        orgs: {
          composite: { size: 1000, sources: [{ org: { terms: { field: 'organization_id' } } }], ...(after ? { after } : {}) },
          aggs: { min_us: { min: { field: 'ts_us' } }, max_us: { max: { field: 'ts_us' } } },
        },
      },
    });
    const agg = r.aggregations?.orgs as estypes.AggregationsCompositeAggregate | undefined;
    if (!agg) return out;
    const buckets = agg.buckets as Array<estypes.AggregationsCompositeBucket & { min_us: { value: number }; max_us: { value: number } }>;
    for (const b of buckets) out.push({ organization_id: String(b.key.org), docs: b.doc_count, min_us: b.min_us.value, max_us: b.max_us.value });
    if (buckets.length < 1000 || !agg.after_key) return out;
    after = agg.after_key;
  }
}

/**
 * The runs that started before the cutoff are exactly those that lost
 * entries: each is deleted and rolled up again from its entries left; one
 * with none left stays deleted. Returns how many went.
 */
async function rebuildRuns(
  ctx: AgentContext,
  names: IndexNames,
  recount: (documents: readonly EntryDocument[]) => Promise<void>,
  org: string,
  cutoffUs: number,
  batch: number,
): Promise<number> {
  const { client } = ctx;
  let removed = 0;
  const spec: SearchSpec = {
    index: names.runs,
    query: { bool: { filter: [{ term: { organization_id: org } }, { range: { start_us: { lt: cutoffUs } } }] } },
    sort: [{ start_us: 'asc' }, { run_id: 'asc' }, { user_key: 'asc' }],
    source: ['run_id'],
  };
  for await (const hits of walkAll<{ run_id: string }>(client, spec, Number.MAX_SAFE_INTEGER, batch)) {
    await sweepBulk(ctx, 'run deletes', hits.map((h) => [{ delete: { _index: names.runs, _id: h._id! } }]));
    const runIds = [...new Set(hits.map((h) => h._source!.run_id))];
    const left = await collectAll<EntryDocument>(
      client,
      { index: names.entriesPattern, query: { bool: { filter: [{ term: { organization_id: org } }, { terms: { run_id: runIds } }] } }, sort: [{ ts_us: 'asc' }, { id: 'asc' }] },
      1000,
    );
    await recount(left);
    const rebuilt = await client.mget({ index: names.runs, ids: hits.map((h) => h._id!) });
    removed += rebuilt.docs.filter((d) => !('found' in d && d.found)).length;
  }
  return removed;
}

/** Moves up to `limit` expired activity events to tombstones, oldest first; returns how many. */
async function tombstoneActivity(ctx: AgentContext, org: string, cutoffUs: number, nowUs: number, limit: number): Promise<number> {
  const { client, names } = ctx;
  const r = await search<ActivityDoc>(client, {
    index: names.activity,
    query: { bool: { filter: [{ term: { organization_id: org } }, { range: { created_us: { lt: cutoffUs } } }] } },
    sort: [{ created_us: 'asc' }, { sequence: 'asc' }],
    size: limit,
    _source: ['id', 'organization_id', 'agent_id', 'sequence', 'created_us', 'prev_hash', 'hash'],
  });
  const hits = r.hits.hits;
  if (!hits.length) return 0;
  // a tombstone already there (409) is one an earlier, interrupted sweep wrote: the event may go
  await sweepBulk(
    ctx,
    'tombstones',
    hits.map((h) => {
      const e = h._source!;
      const tomb = { id: e.id, organization_id: e.organization_id, agent_id: e.agent_id, sequence: e.sequence, created_us: e.created_us, prev_hash: e.prev_hash, hash: e.hash, swept_us: nowUs };
      return [{ create: { _index: names.tombstones, _id: h._id! } }, tomb];
    }),
  );
  await sweepBulk(ctx, 'activity deletes', hits.map((h) => [{ delete: { _index: names.activity, _id: h._id! } }]));
  return hits.length;
}

/**
 * One of the sweep's bulks, split and retried as the ledger's writes are
 * (bulk-retry.ts: 413 halves, 429/5xx back off); an item refused for good
 * fails the sweep, which the next one takes up again.
 */
async function sweepBulk(ctx: AgentContext, what: string, items: unknown[][]): Promise<void> {
  const send = async (lines: string[]) => bulkOutcomes(await ctx.client.bulk({ operations: lines, refresh: 'wait_for' }, { maxRetries: 0 }));
  const result = await bulkWithRetry(items.map((lines, i) => bulkItem(i, lines)), send, DEFAULT_RETRY, false);
  if (result.permanent.length) throw new Error(`elasticsearch refused ${result.permanent.length} of ${items.length} ${what}: ${result.permanent[0].reason}`);
}
