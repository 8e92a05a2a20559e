import { describe, expect, it } from 'vitest';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { entryDocument, recordFromDocument, type EntryDocument } from '../../exporters/elasticsearch/entry-document.js';
import { logMessageId } from '../../exporters/elasticsearch/log-messages.js';
import { entryId } from '../../model/ids.js';
import { PermanentStoreError } from '../../exporters/store.js';
import { writeLogMessages } from '../../collector/queue/write-log-messages.js';
import type { Attributes, EntryRecord } from '../../model/ledger-entry.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { DAY_US } from '../../exporters/agent-store.js';
import { decodedCapture } from '../conformance/log-join-cases.js';
import { fake } from '../helpers/fake-secrets.js';
import { normalizeOne } from '../helpers/normalize-spans.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient, type FakeReply, type SentRequest } from './elasticsearch-fake-client.js';
import pino from 'pino';

/**
 * GenAI events from OTLP logs on the Elasticsearch store, against the strict
 * emulator (searches see an index as of its last refresh; gets are
 * realtime; conditional writes answer 409 as a cluster's).
 */
const ORG = 'org_test';
const T0 = Date.UTC(2026, 10, 30, 23, 59, 59) * 1000;

async function emulated(handler?: (req: SentRequest, next: (r: SentRequest) => FakeReply) => FakeReply, maxResultWindow = 10_000) {
  const emulator = new ElasticsearchEmulator({ maxResultWindow });
  const { client, requests } = fakeClient((req) => (handler ? handler(req, emulator.handle) : emulator.handle(req)));
  const store = await createElasticsearchStore({ node: 'unused', client, maxResultWindow, retry: { sleep: async () => undefined } });
  return { emulator, store, requests };
}

function chatEntry(spanId: string, attributes: Record<string, unknown> = {}): EntryRecord {
  return normalizeOne(
    { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 3, ...attributes } as never,
    { spanId, kind: 3, name: 'chat gpt-4o-mini', startTimeUnixNano: BigInt(T0) * 1000n, endTimeUnixNano: BigInt(T0 + 2_000_000) * 1000n },
    { organizationId: ORG },
  );
}

function event(spanId: string, n: number, name: string, attributes: Attributes): LogMessageRecord {
  return { organization_id: ORG, trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: spanId, log_id: `${spanId}${String(n).padStart(48, '0')}`, time_us: T0 + 1_000_000 + n, idx: n, event: { name, attributes } };
}

const user = (spanId: string, text: string, n = 0) => event(spanId, n, 'gen_ai.user.message', { content: text });
const choice = (spanId: string, text: string, n = 1) => event(spanId, n, 'gen_ai.choice', { index: 0, finish_reason: 'stop', message: JSON.stringify({ role: 'assistant', content: text }) });

async function stored(emulator: ElasticsearchEmulator, id: string) {
  for (const docs of emulator.indices.values()) if (docs.has(id) && docs.get(id)!.source.ts_us !== undefined) return docs.get(id)!;
  throw new Error(`no entry ${id}`);
}

const found = async (store: Awaited<ReturnType<typeof emulated>>['store'], q: string) =>
  (await store.ledger.queryLedger({ scope: { organization_id: ORG }, q: parseSearchQuery(q), sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 })).data;

describe('elasticsearch: GenAI events from OTLP logs join their span entry', () => {
  it('events before their span: the entry is created with the messages, in one write, and q finds the prompt', async () => {
    const { store, emulator, requests } = await emulated();
    await store.ledger.writeLogMessages([user('00f067aa0ba902b7', 'quokkafirst where is my parcel?'), choice('00f067aa0ba902b7', 'shipped yesterday')]);
    const entry = chatEntry('00f067aa0ba902b7');
    const before = requests.length;
    expect(await store.ledger.write([entry])).toEqual({ inserted: 1 });
    const doc = await stored(emulator, entry.id);
    expect(doc.source.inputs).toEqual({ messages: [{ role: 'user', content: 'quokkafirst where is my parcel?' }] });
    expect(doc.source.outputs).toEqual({ messages: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'shipped yesterday' } }] });
    // written once: created with its messages, never indexed again
    const entryWrites = requests.slice(before).filter((r) => r.path === '/_bulk').flatMap((r) => r.body).filter((l: any) => (l.create ?? l.index)?._id === entry.id);
    expect(entryWrites.map((l: any) => Object.keys(l)[0])).toEqual(['create']);
    await store.refresh();
    expect((await found(store, 'quokkafirst')).map((e) => e.id)).toEqual([entry.id]);
  });

  it('span before its events: the stored entry takes them without a refresh (realtime get), other fields unchanged', async () => {
    const { store, emulator } = await emulated();
    const entry = chatEntry('00f067aa0ba902b8');
    await store.ledger.write([entry]);
    const was = structuredClone((await stored(emulator, entry.id)).source);
    await store.ledger.writeLogMessages([user('00f067aa0ba902b8', 'wombatlater where is my parcel?')]);
    const now = (await stored(emulator, entry.id)).source;
    expect(now.inputs).toEqual({ messages: [{ role: 'user', content: 'wombatlater where is my parcel?' }] });
    // immutable but for the messages and what is derived from them
    const { inputs: _i, outputs: _o, ...rest } = now;
    const { inputs: _wi, outputs: _wo, ...restWas } = was;
    expect(rest).toEqual({ ...restWas, ...derived({ ...entry, inputs: now.inputs }) });
    expect(now.rollup_batch).toBe(was.rollup_batch);
    await store.refresh();
    expect((await found(store, 'wombatlater')).map((e) => e.id)).toEqual([entry.id]);
  });

  it('more held events than a page (result window 25): every one is read, through a point in time, in emission order', async () => {
    const { store, emulator, requests } = await emulated(undefined, 25);
    const many = Array.from({ length: 40 }, (_, n) => user('00f067aa0ba902c1', `message ${n}`, 39 - n)).map((m, n) => ({ ...m, time_us: T0 + 1_000_000 + (39 - n) }));
    const entry = chatEntry('00f067aa0ba902c1');
    await store.ledger.writeLogMessages(many.slice(0, 20));
    await store.ledger.write([entry]);
    await store.ledger.writeLogMessages(many.slice(20));
    const contents = (await stored(emulator, entry.id)).source.inputs.messages.map((m: any) => m.content);
    expect(contents).toEqual(Array.from({ length: 40 }, (_, n) => `message ${39 - n}`));
    expect(requests.some((r) => r.path.endsWith('/_pit'))).toBe(true);
  });

  it("the span's own messages win over events", async () => {
    const { store, emulator } = await emulated();
    const entry = chatEntry('00f067aa0ba902b9', { 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'from the span' }] }]) });
    expect(entry.inputs).not.toBeNull();
    await store.ledger.write([entry]);
    await store.ledger.writeLogMessages([user('00f067aa0ba902b9', 'from a log')]);
    expect((await stored(emulator, entry.id)).source.inputs).toEqual(entry.inputs);
  });

  it('re-sent events are one event: held once, the messages not doubled', async () => {
    const { store, emulator } = await emulated();
    const events = [user('00f067aa0ba902ba', 'twice sent'), choice('00f067aa0ba902ba', 'ok')];
    await store.ledger.writeLogMessages(events);
    await store.ledger.writeLogMessages(events);
    const entry = chatEntry('00f067aa0ba902ba');
    await store.ledger.write([entry]);
    await store.ledger.writeLogMessages([...events, ...events]);
    expect(emulator.indices.get('agent-ledger-log-messages')!.size).toBe(2);
    expect((await stored(emulator, entry.id)).source.inputs.messages).toHaveLength(1);
    expect((await stored(emulator, entry.id)).source.outputs.messages).toHaveLength(1);
  });

  it('two log batches at once for one entry: the conditional write that lost (409) reads again, neither is lost', async () => {
    const entry = chatEntry('00f067aa0ba902bb');
    const other = choice('00f067aa0ba902bb', 'second batch', 1);
    let conflicts = 0;
    let raced = false;
    const { store, emulator } = await emulated((req, next) => {
      const rewrite = req.path === '/_bulk' && req.body.some((l: any) => l.index?._id === entry.id);
      if (rewrite && !raced) {
        // between this batch's read and its write, another batch stores its event and rewrites the entry
        raced = true;
        storeEventNow(emulator, other);
        const index = [...emulator.indices].find(([, docs]) => docs.has(entry.id))![0];
        const source = emulator.indices.get(index)!.get(entry.id)!.source as EntryDocument;
        const theirs = { ...entryDocument({ ...recordFromDocument(source), outputs: { messages: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'second batch' } }] } }), rollup_batch: source.rollup_batch };
        next({ method: 'POST', path: '/_bulk', querystring: '', body: [{ index: { _index: index, _id: entry.id } }, theirs], bytes: 0 });
      }
      const reply = next(req);
      if (rewrite) conflicts += ((reply.body as any).items ?? []).filter((i: any) => i.index?.status === 409).length;
      return reply;
    });
    await store.ledger.write([entry]);
    await store.ledger.writeLogMessages([user('00f067aa0ba902bb', 'first batch', 0)]);
    expect(conflicts).toBe(1);
    const doc = (await stored(emulator, entry.id)).source;
    expect(doc.inputs).toEqual({ messages: [{ role: 'user', content: 'first batch' }] });
    expect(doc.outputs.messages[0].message.content).toBe('second batch');
  });

  it('two log batches for one entry sent at once: both land', async () => {
    const { store, emulator } = await emulated();
    const entry = chatEntry('00f067aa0ba902c0');
    await store.ledger.write([entry]);
    await Promise.all([
      store.ledger.writeLogMessages([user('00f067aa0ba902c0', 'first batch', 0)]),
      store.ledger.writeLogMessages([choice('00f067aa0ba902c0', 'second batch', 1)]),
    ]);
    const doc = (await stored(emulator, entry.id)).source;
    expect(doc.inputs).toEqual({ messages: [{ role: 'user', content: 'first batch' }] });
    expect(doc.outputs.messages[0].message.content).toBe('second batch');
  });

  it('an entry created while its events were being stored (the race): its writer catches them up', async () => {
    // the entry writer has looked for events (none yet); a log batch stores them and finds no entry (not created yet); then the create
    const entry = chatEntry('00f067aa0ba902bc');
    const raced = user('00f067aa0ba902bc', 'raced the span');
    const { store, emulator } = await emulated((req, next) => {
      if (req.path === '/_bulk' && req.body.some((l: any) => l.create?._id === entry.id)) storeEventNow(emulator, raced);
      return next(req);
    });
    await store.ledger.write([entry]);
    expect((await stored(emulator, entry.id)).source.inputs).toEqual({ messages: [{ role: 'user', content: 'raced the span' }] });
  });

  it('redaction is applied upstream: neither the held events nor the entry keep the secret', async () => {
    const { store, emulator } = await emulated();
    const secret = `sk-proj-${fake(48, 7)}`;
    const capture = decodedCapture(ORG);
    // the receiver redacts the decoded records before logMessagesOf: decodedCapture does the same
    const raw = JSON.stringify(capture.messages);
    expect(raw).not.toContain(secret);
    const { redactLogRecords } = await import('../../collector/redact/index.js');
    const { testRules } = await import('../helpers/redaction.js');
    const { logMessagesOf } = await import('../../collector/normalize/log-records.js');
    const record = { traceId: capture.messages[0].trace_id, spanId: capture.messages[0].span_id, eventName: 'gen_ai.user.message', timeUnixNano: 1_796_691_750_100_000_000n, body: { content: `my key is ${secret}` }, attributes: {}, severityNumber: 9, severityText: 'INFO', resource: {}, scope: { name: 's', version: '' }, redactions: 0 } as never;
    redactLogRecords([record], testRules(), ORG);
    await store.ledger.writeLogMessages([...capture.messages, ...logMessagesOf([record], ORG)]);
    await store.ledger.write(capture.entries);
    const everything = JSON.stringify([...emulator.indices.values()].flatMap((docs) => [...docs.values()].map((d) => d.source)));
    expect(everything).toContain('[REDACTED');
    expect(everything).not.toContain(secret);
  });

  it('an event the cluster refuses for good: the others are stored and joined, then a PermanentStoreError; the embedded queue parks the batch', async () => {
    const bad = user('00f067aa0ba902bd', 'refused one', 5);
    const { store, emulator } = await emulated((req, next) => {
      if (req.path !== '/_bulk' || !req.body.some((l: any) => l.create?._id?.endsWith(bad.log_id))) return next(req);
      const lines = req.body as any[];
      const kept = lines.filter((_l, i) => !(i % 2 === 0 ? lines[i].create?._id?.endsWith(bad.log_id) : lines[i - 1].create?._id?.endsWith(bad.log_id)));
      const reply = next({ ...req, body: kept }) as { body: any };
      const items = [...reply.body.items];
      items.splice(lines.findIndex((l) => l.create?._id?.endsWith(bad.log_id)) / 2, 0, { create: { status: 400, error: { type: 'document_parsing_exception', reason: 'refused' } } });
      return { body: { ...reply.body, errors: true, items } };
    });
    const entry = chatEntry('00f067aa0ba902bd');
    await store.ledger.write([entry]);
    const batch = [user('00f067aa0ba902bd', 'kept one', 0), bad];
    await expect(store.ledger.writeLogMessages(batch)).rejects.toThrow(PermanentStoreError);
    expect((await stored(emulator, entry.id)).source.inputs).toEqual({ messages: [{ role: 'user', content: 'kept one' }] });
    const parked: unknown[][] = [];
    await writeLogMessages(store.ledger, batch, pino({ level: 'silent' }), { park: async (entries, reason, messages) => void parked.push([entries, reason, messages]) });
    expect(parked).toHaveLength(1);
    expect(parked[0][2]).toEqual(batch);
    expect(String(parked[0][1])).toContain(bad.log_id);
    // with no dead-letter sink (BullMQ), the error goes up: the job is parked there
    await expect(writeLogMessages(store.ledger, batch, pino({ level: 'silent' }))).rejects.toThrow(PermanentStoreError);
  });

  it('retention removes held events like entries: past the cutoff, whether or not their entry came', async () => {
    const { store, emulator } = await emulated();
    await store.ledger.writeLogMessages([user('00f067aa0ba902be', 'old, never joined')]);
    const recent = { ...user('00f067aa0ba902bf', 'recent'), time_us: T0 + 300 * DAY_US };
    await store.ledger.writeLogMessages([recent]);
    await store.agents.sweepExpired({ now_us: T0 + 500 * DAY_US, batch_size: 100 });
    expect([...emulator.indices.get('agent-ledger-log-messages')!.values()].map((d) => d.source.log_id)).toEqual([recent.log_id]);
  });
});

/** A log batch's first step done at once, as another process would: the event stored and searchable. */
function storeEventNow(emulator: ElasticsearchEmulator, m: LogMessageRecord): void {
  const entry = entryId(m.organization_id, m.trace_id, m.span_id);
  const doc = { entry_id: entry, organization_id: m.organization_id, trace_id: m.trace_id, span_id: m.span_id, log_id: m.log_id, time_us: m.time_us, idx: m.idx, event: m.event };
  const reply = emulator.handle({ method: 'POST', path: '/_bulk', querystring: 'refresh=wait_for', body: [{ create: { _index: 'agent-ledger-log-messages', _id: logMessageId(entry, m.log_id) } }, doc], bytes: 0 });
  expect((reply.body as any).errors).toBe(false);
}

/** The fields an entry document derives from its content (search text, pairs): recomputed with the messages. */
function derived(e: EntryRecord) {
  const { inputs_text, outputs_text, search_text, inputs_pairs, outputs_pairs, name_fold, agent_fold, compliance_pairs, attributes_pairs } = entryDocument(e);
  return { inputs_text, outputs_text, search_text, inputs_pairs, outputs_pairs, name_fold, agent_fold, compliance_pairs, attributes_pairs };
}
