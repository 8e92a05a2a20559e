import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerPage, LedgerQuery, LedgerStore, WriteResult } from '../../exporters/store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { credentialCases } from './credential-cases.js';
import { savedSearchCases } from './saved-search-cases.js';
import { crossPartitionEntries } from './cross-partition.js';
import { generateEntries } from './dataset.js';
import { expectedExport, expectedLedgerPage, matchesFilter } from './expected-ledger.js';
import { expectedRunDetail, expectedRunPage } from './expected-runs.js';
import { expectedStats, withinError } from './expected-stats.js';
import { cursorWalkCases, exportCases, ledgerCases } from './ledger-cases.js';
import { runDetailCases, runListCases } from './runs-cases.js';
import { statsCases, timeseriesCases } from './stats-cases.js';
import { expectedTimeseries } from './expected-timeseries.js';
import { expectedTimeline, timelineCases } from './timeline-cases.js';
import type { StoreHandle, StoreTarget } from './stores.js';
import { writePlan } from './write-plan.js';
import { QUERY_LANGUAGE_CASES, QUERY_NOW_MS } from './query-language-cases.js';
import { compileQuery } from '../../model/query-language.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { UnsupportedQueryError } from '../../exporters/store.js';
import { runKey } from './expected-ledger.js';
import { SCOPES } from './scopes.js';

/**
 * One suite, every store (DESIGN.md "Queries"): the same records, the same
 * cases, answers computed here from the records; a store passes only when
 * it gives each of them exactly. Stores join in stores.ts
 * (conformance.test.ts runs every reachable one).
 */
export const { steps, written } = conformanceWrites();

/** The dataset with its records across midnights (cross-partition.ts), the late ones written last. */
export function conformanceWrites(): ReturnType<typeof writePlan> {
  const cross = crossPartitionEntries();
  return writePlan([...generateEntries(), ...cross.main], cross.late);
}

/** Run tags are a set: their order is not part of the contract (SQLite's depends on batch boundaries). */
function withSortedTags<T extends { tags: string[] }>(run: T): T {
  return { ...run, tags: [...run.tags].sort() };
}

export function conformanceSuite(target: StoreTarget): void {
  describe.skipIf(target.skip !== null)(`conformance: ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ''}`, () => {
    let handle: StoreHandle;
    const results: WriteResult[] = [];
    const store = (): LedgerStore => handle.store.ledger;

    beforeAll(async () => {
      handle = await target.create();
      for (const step of steps) results.push(await handle.store.ledger.write(step.batch));
      await handle.refresh();
    });
    afterAll(async () => handle?.dispose());

    describe('idempotent writes', () => {
      steps.forEach((step, i) => {
        it(`${step.caption}: inserted ${step.inserted}`, () => expect(results[i]).toEqual({ inserted: step.inserted }));
      });
    });

    describe('ledger', () => {
      for (const c of ledgerCases(written)) {
        it(c.caption, async () => expect(await store().queryLedger(c.query)).toEqual(expectedLedgerPage(written, c.query)));
      }
    });

    describe('ledger cursor (keyset) walks', () => {
      for (const c of cursorWalkCases()) {
        it(c.caption, async () => {
          // by page numbers, as the seed pages
          const byPage: LedgerPage[] = [];
          for (let page = 0; ; page++) {
            const got = await store().queryLedger({ ...c.query, page });
            byPage.push(got);
            if ((page + 1) * c.query.page_size >= got.count) break;
          }
          // by cursors: each page exactly the contract's, following `next` until null
          const byCursor: LedgerPage[] = [];
          let query: LedgerQuery = c.query;
          for (;;) {
            const got = await store().queryLedger(query);
            expect(got).toEqual(expectedLedgerPage(written, query));
            byCursor.push(got);
            if (got.next === null) break;
            expect(byCursor.length, 'a walk longer than its pages').toBeLessThanOrEqual(byPage.length);
            if (c.query.sort_by === 'timestamp' && c.query.sort_order === 'desc') {
              // an export started at the same position reads the same rows
              const exported: LedgerEntry[] = [];
              for await (const e of store().exportLedger(c.query, c.query.page_size, got.next)) exported.push(e);
              expect(exported).toEqual(expectedLedgerPage(written, { ...c.query, after: got.next }).data);
            }
            query = { ...c.query, after: got.next };
          }
          expect(byCursor.flatMap((p) => p.data.map((e) => e.id))).toEqual(byPage.flatMap((p) => p.data.map((e) => e.id)));
          expect(byCursor.map((p) => p.count)).toEqual(byCursor.map(() => byPage[0].count));
        });
      }
    });

    describe('export', () => {
      for (const c of exportCases(written)) {
        it(c.caption, async () => {
          const got: LedgerEntry[] = [];
          for await (const e of store().exportLedger(c.filter, c.limit)) got.push(e);
          expect(got).toEqual(expectedExport(written, c.filter, c.limit));
        });
      }
    });

    describe('stats', () => {
      for (const c of statsCases()) {
        it(c.caption, async () => {
          const { p50_duration_ms, p95_duration_ms, percentiles_relative_error, ...exact } = await store().stats(c.query);
          const expected = expectedStats(written, c.query);
          expect(exact).toEqual(expected.exact);
          expect(percentiles_relative_error).toBeLessThanOrEqual(0.05);
          expect(withinError(p50_duration_ms, expected.p50, percentiles_relative_error), `p50 ${p50_duration_ms} vs ${expected.p50}`).toBe(true);
          expect(withinError(p95_duration_ms, expected.p95, percentiles_relative_error), `p95 ${p95_duration_ms} vs ${expected.p95}`).toBe(true);
        });
      }
    });

    describe('timeseries', () => {
      for (const c of timeseriesCases()) {
        it(c.caption, async () => {
          expect(await store().timeseries(c.query)).toEqual(expectedTimeseries(written, c.query));
        });
      }
    });

    describe('timeline summary', () => {
      for (const c of timelineCases()) {
        it(c.caption, async () => expect(await store().timelineSummary(c.filter)).toEqual(expectedTimeline(written, c.filter)));
      }
    });

    describe('runs', () => {
      for (const c of runListCases()) {
        it(c.caption, async () => {
          const page = await store().listRuns(c.query);
          const expected = expectedRunPage(written, c.query);
          expect({ ...page, data: page.data.map(withSortedTags) }).toEqual({ ...expected, data: expected.data.map(withSortedTags) });
        });
      }
      for (const c of runDetailCases(written)) {
        it(c.caption, async () => {
          const detail = await store().getRun(c.scope, c.runId, c.user);
          const expected = expectedRunDetail(written, c.scope, c.runId, c.user);
          if (expected === null) return expect(detail).toBeNull();
          expect(detail && { ...detail, run: withSortedTags(detail.run) }).toEqual({ ...expected, run: withSortedTags(expected.run) });
        });
      }
    });

    describe('query language', () => {
      const base = { sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 1000 } as const;
      for (const c of QUERY_LANGUAGE_CASES) {
        const scope = c.scope ?? SCOPES.org_a;
        const scopeName = Object.entries(SCOPES).find(([, s]) => s === scope)![0];
        it(`${c.expression} (${scopeName})`, async () => {
          const query = { ...base, scope, query: compileQuery(c.expression, QUERY_NOW_MS) };
          if (c.esRefuses && target.name.startsWith('elasticsearch')) return expect((async () => store().queryLedger(query))()).rejects.toThrow(UnsupportedQueryError);
          const got = await store().queryLedger(query);
          const expected = written.filter((e) => matchesFilter(e, { scope }) && c.expected(e));
          expect(got.count).toBe(expected.length);
          expect(got.data.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
        });
      }
      it('ANDs with the seed\'s parameters and `q` (outcome, cost, date, q)', async () => {
        const filter = { scope: SCOPES.org_a, outcome: 'error', min_cost_nanos: 1, start_us: Date.UTC(2024, 11, 28) * 1000, q: parseSearchQuery('timeout') } as const;
        const query = { ...base, ...filter, query: compileQuery('kind:tool OR inputs.query:*refund*', QUERY_NOW_MS) };
        const got = await store().queryLedger(query);
        const expected = written.filter((e) => matchesFilter(e, filter) && (e.kind === 'tool' || String(e.inputs?.query ?? '').includes('refund')));
        expect(got.data.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
        expect(expected.length).toBeGreaterThan(0);
      });
      it('stats count and cost exactly what the query matches', async () => {
        const query = compileQuery('kind:llm AND NOT model:gpt-4o', QUERY_NOW_MS);
        const stats = await store().stats({ scope: SCOPES.org_a, query });
        const expected = written.filter((e) => matchesFilter(e, { scope: SCOPES.org_a }) && e.kind === 'llm' && e.model !== 'gpt-4o');
        expect(stats.total_actions).toBe(expected.length);
        expect(stats.error_count).toBe(expected.filter((e) => e.outcome === 'error').length);
      });
      it('runs: those with an action the query matches, within the scope', async () => {
        const scope = SCOPES['org_a/alice'];
        const page = await store().listRuns({ scope, query: compileQuery('outcome:blocked AND inputs.query:*', QUERY_NOW_MS), sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 1000 });
        const keys = new Set(written.filter((e) => matchesFilter(e, { scope }) && e.outcome === 'blocked' && e.inputs?.query !== undefined).map(runKey));
        expect(page.count).toBe(keys.size);
        expect(page.data.map((r) => runKey({ organization_id: 'org_a', run_id: r.id, user_id: r.user_id })).sort()).toEqual([...keys].sort());
      });
    });

    describe('credentials', () => credentialCases(() => handle.store.credentials, () => handle.refresh()));

    describe('saved searches', () => savedSearchCases(() => handle.store.searches));
  });
}
