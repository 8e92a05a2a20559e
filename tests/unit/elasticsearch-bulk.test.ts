import { describe, expect, it } from 'vitest';
import { bulkItem, bulkWithRetry, BulkRetriesExhausted, chunkBulk, classifyItem } from '../../exporters/elasticsearch/bulk-retry.js';
import { entryDocument } from '../../exporters/elasticsearch/entry-document.js';
import { EntryWriter } from '../../exporters/elasticsearch/entry-writer.js';
import { entryIndexFor, indexNames } from '../../exporters/elasticsearch/index-names.js';
import { PermanentStoreError } from '../../exporters/store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { generateEntries } from '../conformance/dataset.js';
import { fakeClient, type SentRequest } from './elasticsearch-fake-client.js';

const names = indexNames('agent-ledger');
const entries = generateEntries().slice(0, 12);

describe('bulk item outcomes', () => {
  it('sorts statuses into done, already there, retryable and permanent', () => {
    expect(classifyItem({ status: 201 }, false)).toBe('done');
    expect(classifyItem({ status: 409 }, false)).toBe('conflict');
    expect(classifyItem({ status: 409 }, true)).toBe('retry');
    expect(classifyItem({ status: 429 }, false)).toBe('retry');
    expect(classifyItem({ status: 503 }, false)).toBe('retry');
    expect(classifyItem({ status: 400 }, false)).toBe('permanent');
    expect(classifyItem({ status: 404 }, false)).toBe('permanent');
  });

  it('resends only retryable items, backing off exponentially, and gives up after the last attempt', async () => {
    const waits: number[] = [];
    const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250, sleep: async (ms: number) => void waits.push(ms) };
    const sent: string[][] = [];
    const result = await bulkWithRetry(['a', 'b', 'c'].map((i) => bulkItem(i, [i])), async (lines) => {
      const items = lines.map((l) => JSON.parse(l) as string);
      sent.push(items);
      return items.map((i) => ({ status: i === 'b' && sent.length < 3 ? 429 : 201 }));
    }, policy, false);
    expect(result.done).toEqual(['a', 'c', 'b']);
    expect(sent).toEqual([['a', 'b', 'c'], ['b'], ['b']]);
    expect(waits).toEqual([100, 200]);
    await expect(bulkWithRetry([bulkItem('x', ['x'])], async () => [{ status: 503, error: { type: 'unavailable_shards_exception' } }], policy, false)).rejects.toThrow(BulkRetriesExhausted);
    expect(waits).toEqual([100, 200, 100, 200, 250]);
  });
});

type Policy = (e: { _id: string }, attempt: number) => { status: number; error?: unknown };

/** A cluster whose entry creates answer by `policy`, that stores what it created, and records run updates. */
function cluster(policy: Policy, already: EntryRecord[] = []) {
  const stored = new Map(already.map((e) => [e.id, entryDocument(e)]));
  const attempts = new Map<string, number>();
  const markers = new Set<string>();
  const fake = fakeClient((req: SentRequest) => {
    if (req.path === '/_bulk') {
      const items = [];
      for (let i = 0; i < req.body.length; i += 2) {
        const [op, body] = [req.body[i], req.body[i + 1]];
        if (op.update) {
          items.push({ update: { _index: op.update._index, _id: op.update._id, status: 200, result: 'updated' } });
          continue;
        }
        if (op.index) {
          markers.add(op.index._id);
          items.push({ index: { _index: op.index._index, _id: op.index._id, status: 201, result: 'created' } });
          continue;
        }
        const n = (attempts.get(op.create._id) ?? 0) + 1;
        attempts.set(op.create._id, n);
        const outcome = stored.has(op.create._id) ? { status: 409, error: { type: 'version_conflict_engine_exception' } } : policy(op.create, n);
        if (outcome.status === 201) stored.set(op.create._id, body);
        items.push({ create: { _index: op.create._index, _id: op.create._id, ...outcome } });
      }
      return { body: { took: 1, errors: items.some((i: any) => (i.create ?? i.update ?? i.index).status >= 300), items } };
    }
    if (req.path === '/agent-ledger-run-applied/_mget') {
      return { body: { docs: req.body.ids.map((id: string) => ({ _index: 'agent-ledger-run-applied', _id: id, found: markers.has(id) })) } };
    }
    if (req.path === '/_mget') {
      return { body: { docs: req.body.docs.map((d: any) => ({ _index: d._index, _id: d._id, found: stored.has(d._id), _source: stored.get(d._id) })) } };
    }
    throw new Error(`unexpected ${req.method} ${req.path}`);
  });
  const writer = new EntryWriter(fake.client, { names, scriptId: 'agent-ledger-run-rollup', retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => undefined }, refresh: false });
  const bulks = () => fake.requests.filter((r) => r.path === '/_bulk');
  const runUpdates = () => bulks().flatMap((r) => r.body.filter((_: unknown, i: number) => i % 2 === 1 && r.body[i - 1].update?._index === 'agent-ledger-runs-by-user'));
  const entryBulks = () => bulks().filter((b) => b.body[0].create);
  return { writer, requests: fake.requests, bulks, runUpdates, entryBulks };
}

const created: Policy = () => ({ status: 201 });

describe('elasticsearch entry writes', () => {
  it('creates each entry in the month index of its start, with its id, without forcing a refresh', async () => {
    const { writer, bulks } = cluster(created);
    expect(await writer.write(entries)).toEqual({ inserted: 12 });
    const [first] = bulks();
    expect(first.querystring).toContain('refresh=false');
    expect(first.body[0]).toEqual({ create: { _index: entryIndexFor(names, entries[0].start_us), _id: entries[0].id } });
    expect(first.body[1]).toMatchObject({ id: entries[0].id, ts_us: entries[0].start_us, search_text: expect.any(Array) });
  });

  it('updates each run (organization, run, user) once per batch through the stored script, with the entries in write order', async () => {
    const { writer, runUpdates, bulks } = cluster(created);
    await writer.write(entries);
    const runs = new Set(entries.map((e) => `${e.organization_id}/${e.run_id}/${e.user_id}`));
    const updates = runUpdates();
    expect(updates).toHaveLength(runs.size);
    expect(updates[0]).toMatchObject({ scripted_upsert: true, upsert: {}, script: { id: 'agent-ledger-run-rollup' } });
    const actions = bulks()[1].body.filter((_: unknown, i: number) => i % 2 === 0);
    expect(actions[0].update).toMatchObject({ _index: 'agent-ledger-runs-by-user', retry_on_conflict: 10 });
    const firstRun = entries.filter((e) => e.run_id === entries[0].run_id).map((e) => e.span_id);
    expect(updates[0].script.params.contributions.map((c: { span_id: string }) => c.span_id)).toEqual(firstRun);
  });

  it('counts a 409 as already there (not inserted) and offers the stored copy to the runs script, which skips counted spans', async () => {
    const original = entries[3];
    const { writer, runUpdates, requests } = cluster(created, [original]);
    const redelivered = { ...original, cost_nanos: original.cost_nanos + 99 };
    expect(await writer.write([redelivered, entries[4]])).toEqual({ inserted: 1 });
    expect(requests.some((r) => r.path === '/_mget')).toBe(true);
    const contribution = runUpdates().flatMap((u: any) => u.script.params.contributions).find((c: any) => c.span_id === original.span_id);
    expect(contribution.cost_nanos).toBe(original.cost_nanos);
  });

  it('retries 429 and 5xx items only, then succeeds', async () => {
    const { writer, bulks } = cluster((e, n) => (e._id === entries[1].id && n === 1 ? { status: 429, error: { type: 'es_rejected_execution_exception' } } : { status: 201 }));
    expect(await writer.write(entries)).toEqual({ inserted: 12 });
    const creates = bulks().filter((b) => b.body[0].create).map((b) => b.body.length / 2);
    expect(creates).toEqual([12, 1]);
  });

  it('fails with a retryable error when items stay busy through every attempt', async () => {
    const { writer } = cluster((e) => (e._id === entries[1].id ? { status: 503 } : { status: 201 }));
    const err = await writer.write(entries).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BulkRetriesExhausted);
    expect(err).not.toBeInstanceOf(PermanentStoreError);
  });

  it('turns a refused document (400) into a PermanentStoreError, after counting the entries that were written', async () => {
    const bad = entries[2].id;
    const { writer, runUpdates } = cluster((e) => (e._id === bad ? { status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse' } } : { status: 201 }));
    const err = await writer.write(entries).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentStoreError);
    expect((err as Error).message).toMatch(/1 of 12.*document_parsing_exception/);
    const counted = runUpdates().flatMap((u: any) => u.script.params.contributions.map((c: any) => c.span_id));
    expect(counted).toHaveLength(11);
    expect(counted).not.toContain(entries[2].span_id);
  });

  it('sends an entry repeated within one batch once', async () => {
    const { writer, bulks } = cluster(created);
    expect(await writer.write([entries[0], entries[0], entries[1]])).toEqual({ inserted: 2 });
    expect(bulks()[0].body).toHaveLength(4);
  });
});
