import { describe, expect, it } from 'vitest';
import { entryDocument } from '../../exporters/elasticsearch/entry-document.js';
import { indexNames } from '../../exporters/elasticsearch/index-names.js';
import { exportLedger, queryLedger } from '../../exporters/elasticsearch/ledger-reader.js';
import { fitsWindow } from '../../exporters/elasticsearch/search-paging.js';
import type { LedgerQuery } from '../../exporters/store.js';
import { generateEntries } from '../conformance/dataset.js';
import { fakeClient, searchReply, type SentRequest } from './elasticsearch-fake-client.js';

/**
 * A fake cluster holding `n` entries already in sort order: it honours
 * from/size, search_after (on the sort values it hands out) and points in
 * time, and reports every run as completed, so the tests see which
 * requests the store sends and that the pages it assembles are right.
 */
const names = indexNames('agent-ledger');
const template = generateEntries()[1];

function cluster(n: number) {
  const docs = Array.from({ length: n }, (_, i) => ({
    _id: `e${i}`,
    _source: entryDocument({ ...template, id: `e${String(i).padStart(6, '0')}`, start_us: 1_000_000 + i }),
    sort: [1_000_000 + i, `e${i}`],
  }));
  let pits = 0;
  const open = new Set<string>();
  const fake = fakeClient((req) => {
    if (req.path.endsWith('/_pit') && req.method === 'POST') {
      const id = `pit-${++pits}`;
      open.add(id);
      return { body: { id } };
    }
    if (req.path === '/_pit' && req.method === 'DELETE') {
      open.delete(req.body.id);
      return { body: { succeeded: true, num_freed: 1 } };
    }
    if (req.path.endsWith('/_mget')) {
      return { body: { docs: req.body.ids.map((id: string) => ({ _index: names.runs, _id: id, found: true, _source: { root_count: 1, root_error: 0 } })) } };
    }
    if (req.path.endsWith('/_search')) {
      const after = req.body.search_after as unknown[] | undefined;
      const start = after ? docs.findIndex((d) => d.sort[1] === after[1]) + 1 : (req.body.from ?? 0);
      const page = docs.slice(start, start + req.body.size).map((d) => (req.body._source === false ? { _id: d._id, sort: d.sort } : d));
      return searchReply(page, n, req.body.pit ? { pit_id: req.body.pit.id } : {});
    }
    throw new Error(`unexpected ${req.method} ${req.path}`);
  });
  return { ...fake, openPits: open };
}

const searches = (requests: SentRequest[]) => requests.filter((r) => r.path.endsWith('/_search'));
const query = (page: number, page_size: number): LedgerQuery => ({ scope: { organization_id: template.organization_id }, sort_by: 'timestamp', sort_order: 'asc', page, page_size });

describe('elasticsearch ledger pages', () => {
  it('uses from/size while from + size stays within the result window', () => {
    expect(fitsWindow(9_950, 50, 10_000)).toBe(true);
    expect(fitsWindow(9_951, 50, 10_000)).toBe(false);
  });

  it('reads a shallow page with one search (exact total) and the runs of the page with one mget', async () => {
    const { client, requests } = cluster(300);
    const page = await queryLedger(client, { names, maxResultWindow: 100 }, query(1, 30));
    expect(page.count).toBe(300);
    expect(page.data.map((e) => e.id)).toEqual(Array.from({ length: 30 }, (_, i) => `e${String(30 + i).padStart(6, '0')}`));
    expect(page.data.every((e) => e.run_status === 'completed')).toBe(true);
    const [search] = searches(requests);
    expect(search.path).toBe('/agent-ledger-entries-*/_search');
    expect(search.body).toMatchObject({ from: 30, size: 30, track_total_hits: true, sort: [{ ts_us: { order: 'asc' } }, { id: { order: 'asc' } }] });
    expect(requests.filter((r) => r.path.endsWith('/_mget'))).toHaveLength(1);
  });

  it('reads a deep page through a point in time and search_after, never a `from` past the window', async () => {
    const { client, requests, openPits } = cluster(1000);
    const page = await queryLedger(client, { names, maxResultWindow: 100 }, query(7, 50));
    expect(page.count).toBe(1000);
    expect(page.data.map((e) => e.id)).toEqual(Array.from({ length: 50 }, (_, i) => `e${String(350 + i).padStart(6, '0')}`));
    const sent = searches(requests);
    expect(sent.every((r) => r.path === '/_search' && r.body.pit && r.body.from === undefined)).toBe(true);
    // three steps of 100 and one of 50 read sort values only, then the page
    expect(sent.map((r) => [r.body.size, r.body._source])).toEqual([[100, false], [100, false], [100, false], [50, false], [50, undefined]]);
    expect(sent[1].body.search_after).toEqual([1_000_099, 'e99']);
    expect(requests.some((r) => r.path.endsWith('/_pit') && r.method === 'POST' && r.path.startsWith('/agent-ledger-entries-*'))).toBe(true);
    expect(openPits.size).toBe(0);
  });

  it('answers a deep page past the end with the count and no data, after one step', async () => {
    const { client, requests, openPits } = cluster(120);
    const page = await queryLedger(client, { names, maxResultWindow: 100 }, query(10, 50));
    expect(page).toEqual({ data: [], count: 120, next: null });
    expect(searches(requests)).toHaveLength(1);
    expect(openPits.size).toBe(0);
  });

  it('reads a cursor page with search_after alone, however deep: no point in time, no `from`, no walk over the rows before it', async () => {
    const { client, requests, openPits } = cluster(1000);
    const page = await queryLedger(client, { names, maxResultWindow: 100 }, { ...query(0, 150), after: { key: 1_000_799, id: 'e799' } });
    expect(page.count).toBe(1000);
    expect(page.data.map((e) => e.id)).toEqual(Array.from({ length: 150 }, (_, i) => `e${String(800 + i).padStart(6, '0')}`));
    expect(page.next).toEqual({ key: 1_000_949, id: 'e949' });
    const sent = searches(requests);
    // a page of 150 (+1 to see whether another follows) in reads no larger than the window, each from the last key
    expect(sent.map((r) => [r.body.size, r.body.search_after, r.body.from, r.body.pit])).toEqual([
      [100, [1_000_799, 'e799'], undefined, undefined],
      [51, [1_000_899, 'e899'], undefined, undefined],
    ]);
    expect(sent[0].body.track_total_hits).toBe(true);
    expect(openPits.size).toBe(0);
  });

  it('says there is no next page at the end of a cursor walk, and on the last numbered page', async () => {
    const { client } = cluster(120);
    const last = await queryLedger(client, { names, maxResultWindow: 100 }, { ...query(0, 20), after: { key: 1_000_099, id: 'e99' } });
    expect(last.data).toHaveLength(20);
    expect(last.next).toBeNull();
    expect((await queryLedger(client, { names, maxResultWindow: 100 }, query(5, 20))).next).toBeNull();
    expect((await queryLedger(client, { names, maxResultWindow: 100 }, query(4, 20))).next).toEqual({ key: 1_000_099, id: 'e99' });
  });

  it('answers an empty ledger (no index yet) without failing', async () => {
    const { client } = fakeClient((req) =>
      req.path.endsWith('/_pit') ? { status: 404, body: { error: { type: 'index_not_found_exception', reason: 'no such index' }, status: 404 } } : searchReply([], 0),
    );
    expect(await queryLedger(client, { names, maxResultWindow: 100 }, query(0, 10))).toEqual({ data: [], count: 0, next: null });
    expect(await queryLedger(client, { names, maxResultWindow: 100 }, query(50, 10))).toEqual({ data: [], count: 0, next: null });
  });
});

describe('elasticsearch exports', () => {
  it('walks a point in time in chunks, newest first, up to the limit', async () => {
    const { client, requests, openPits } = cluster(250);
    const got = [];
    for await (const e of exportLedger(client, { names, maxResultWindow: 100 }, { scope: { organization_id: null } }, 230)) got.push(e.id);
    expect(got).toHaveLength(230);
    const sent = searches(requests);
    expect(sent.map((r) => r.body.size)).toEqual([100, 100, 30]);
    expect(sent[0].body.sort).toEqual([{ ts_us: { order: 'desc' } }, { id: { order: 'desc' } }]);
    expect(sent.every((r) => r.body.pit && r.body.from === undefined)).toBe(true);
    expect(openPits.size).toBe(0);
  });

  it('closes the point in time when the reader stops early', async () => {
    const { client, openPits } = cluster(500);
    for await (const e of exportLedger(client, { names, maxResultWindow: 100 }, { scope: { organization_id: null } }, 500)) {
      if (e) break;
    }
    expect(openPits.size).toBe(0);
  });
});
