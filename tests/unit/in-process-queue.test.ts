import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DeadLetterDir } from '../../collector/queue/dead-letter-dir.js';
import { createInProcessQueue } from '../../collector/queue/in-process-queue.js';
import type { Envelope } from '../../collector/queue/job-queue.js';
import { PermanentStoreError, type LedgerStore, type WriteResult } from '../../exporters/store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { createMetrics, type StoreMetrics } from '../../observability/metrics.js';
import { normalizeOne } from '../helpers/normalize-spans.js';

/**
 * The embedded queue and a store that refuses some entries for good, the
 * way Elasticsearch refuses a document it cannot map (a 400 in a bulk
 * response: the others of the bulk are written, then PermanentStoreError).
 */
class RefusingStore {
  readonly written = new Map<string, EntryRecord>();
  writes = 0;
  transientFailures = 0;

  constructor(private readonly refuses: (e: EntryRecord) => boolean) {}

  async write(entries: EntryRecord[]): Promise<WriteResult> {
    this.writes++;
    if (this.transientFailures > 0) {
      this.transientFailures--;
      throw new Error('connection refused');
    }
    let inserted = 0;
    const refused = entries.filter(this.refuses);
    for (const e of entries) {
      if (this.refuses(e) || this.written.has(e.id)) continue;
      this.written.set(e.id, e);
      inserted++;
    }
    if (refused.length) throw new PermanentStoreError(`refused ${refused.length} document(s): mapper_parsing_exception`);
    return { inserted };
  }
}

let spanCounter = 0;
function entry(name: string): EntryRecord {
  spanCounter++;
  return normalizeOne({}, { name, traceId: spanCounter.toString(16).padStart(32, 'a'), spanId: spanCounter.toString(16).padStart(16, 'b') });
}

function envelope(...names: string[]): Envelope {
  return { organization_id: 'org_test', entries: names.map(entry), bytes: 100 * names.length };
}

function queueOver(store: RefusingStore, options: { batchMaxRows?: number; metrics?: StoreMetrics } = {}) {
  const deadLetters = new DeadLetterDir(join(mkdtempSync(join(tmpdir(), 'dlq-')), 'dead-letters'));
  const queue = createInProcessQueue({
    store: store as unknown as LedgerStore,
    deadLetters,
    logger: pino({ level: 'silent' }),
    maxBytes: 10 * 1024 * 1024,
    batchMaxRows: options.batchMaxRows ?? 10_000,
    ackTimeoutMs: 3_000,
    retryAfterSeconds: 1,
    metrics: options.metrics,
  });
  return { queue, deadLetters };
}

describe('the in-process queue and permanent store errors', () => {
  it('parks only the refused entry, writes its neighbours and keeps ingest flowing', async () => {
    const store = new RefusingStore((e) => e.name === 'poison');
    const { queue, deadLetters } = queueOver(store);
    const envelopes = [envelope('a1', 'a2'), envelope('b1', 'poison', 'b2'), envelope('c1')];
    await Promise.all(envelopes.map((e) => queue.enqueue(e)));
    expect([...store.written.values()].map((e) => e.name).sort()).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    const letters = await deadLetters.list();
    expect(letters).toHaveLength(1);
    expect(letters[0].entries.map((e) => e.name)).toEqual(['poison']);
    expect(letters[0].failed_reason).toContain('mapper_parsing_exception');
    expect(letters[0].organization_id).toBe('org_test');
    // nothing is stuck: the queue takes and writes more at once
    expect(await queue.refusal()).toBeNull();
    await expect(queue.ping()).resolves.toBeUndefined();
    await queue.enqueue(envelope('d1'));
    expect(store.written.size).toBe(6);
    await queue.close();
  });

  it('finds one refused entry among a thousand in few writes', async () => {
    const store = new RefusingStore((e) => e.name === 'poison');
    const { queue, deadLetters } = queueOver(store);
    const names = Array.from({ length: 1000 }, (_, i) => (i === 617 ? 'poison' : `ok-${i}`));
    await queue.enqueue(envelope(...names));
    expect(store.written.size).toBe(999);
    expect(store.writes).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(1000)) + 1);
    expect((await deadLetters.list()).flatMap((l) => l.entries.map((e) => e.name))).toEqual(['poison']);
    await queue.close();
  });

  it('parks GenAI log events the store refuses for good, with their batch, instead of retrying them forever', async () => {
    const store = Object.assign(new RefusingStore(() => false), {
      logCalls: 0,
      async writeLogMessages() {
        store.logCalls++;
        throw new PermanentStoreError('refused 1 of 1 GenAI log event(s): document_parsing_exception');
      },
    });
    const { queue, deadLetters } = queueOver(store);
    const message = { organization_id: 'org_test', trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), log_id: 'c'.repeat(64), time_us: 1, idx: 0, event: { name: 'gen_ai.user.message', attributes: { content: 'hi' } } };
    await queue.enqueue({ ...envelope('e1'), log_messages: [message] });
    expect(store.written.size).toBe(1);
    const letters = await deadLetters.list();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ entries: [], log_messages: [message], organization_id: 'org_test' });
    expect(letters[0].failed_reason).toContain('document_parsing_exception');
    expect(store.logCalls).toBe(1);
    await expect(queue.ping()).resolves.toBeUndefined();
    await queue.close();
  });

  it('parks every refused entry of a batch, each on its own', async () => {
    const store = new RefusingStore((e) => e.name.startsWith('bad'));
    const { queue, deadLetters } = queueOver(store);
    await queue.enqueue(envelope('bad-1', 'ok-1', 'bad-2', 'ok-2', 'bad-3'));
    expect([...store.written.values()].map((e) => e.name).sort()).toEqual(['ok-1', 'ok-2']);
    expect((await deadLetters.list()).flatMap((l) => l.entries.map((e) => e.name)).sort()).toEqual(['bad-1', 'bad-2', 'bad-3']);
    await queue.close();
  });

  it('still retries a failure that is not permanent, parking nothing', async () => {
    const store = new RefusingStore(() => false);
    store.transientFailures = 2;
    const { queue, deadLetters } = queueOver(store);
    await queue.enqueue(envelope('x1', 'x2'));
    expect(store.written.size).toBe(2);
    expect(await deadLetters.list()).toEqual([]);
    await queue.close();
  });
});

/** A store whose writes wait until released: what is in flight at once is visible. */
class GatedStore {
  readonly inProgress: EntryRecord[][] = [];
  private releases: Array<() => void> = [];

  async write(entries: EntryRecord[]): Promise<WriteResult> {
    this.inProgress.push(entries);
    await new Promise<void>((resolve) => this.releases.push(resolve));
    this.inProgress.splice(this.inProgress.indexOf(entries), 1);
    return { inserted: entries.length };
  }

  releaseAll(): void {
    for (const release of this.releases.splice(0)) release();
  }
}

describe('the in-process queue keeps the store fed', () => {
  const rowsInFlight = (store: GatedStore) => store.inProgress.reduce((n, b) => n + b.length, 0);

  it('hands each request to the store as it arrives while a write is in progress', async () => {
    const store = new GatedStore();
    const { queue } = queueOver(store as unknown as RefusingStore, { batchMaxRows: 10 });
    const acks = Array.from({ length: 5 }, (_, i) => queue.enqueue(envelope(`r${i}`)));
    await new Promise((r) => setImmediate(r));
    // five requests of one row: all with the store at once (two batches' worth is 20 rows)
    expect(store.inProgress).toHaveLength(5);
    store.releaseAll();
    await Promise.all(acks);
    await queue.close();
  });

  it('holds back what exceeds two batches of rows until a write ends', async () => {
    const store = new GatedStore();
    const { queue } = queueOver(store as unknown as RefusingStore, { batchMaxRows: 2 });
    const acks = Array.from({ length: 6 }, (_, i) => queue.enqueue(envelope(`r${i}`)));
    await new Promise((r) => setImmediate(r));
    expect(rowsInFlight(store)).toBe(4);
    store.releaseAll();
    await new Promise((r) => setImmediate(r));
    expect(rowsInFlight(store)).toBe(2);
    store.releaseAll();
    await Promise.all(acks);
    await queue.close();
  });

  it('still writes a request larger than the bound, alone', async () => {
    const store = new GatedStore();
    const { queue } = queueOver(store as unknown as RefusingStore, { batchMaxRows: 2 });
    const big = queue.enqueue(envelope('a', 'b', 'c', 'd', 'e'));
    const small = queue.enqueue(envelope('f'));
    await new Promise((r) => setImmediate(r));
    expect(store.inProgress.map((b) => b.length)).toEqual([5]);
    store.releaseAll();
    await big;
    await new Promise((r) => setImmediate(r));
    expect(store.inProgress.map((b) => b.length)).toEqual([1]);
    store.releaseAll();
    await small;
    await queue.close();
  });
});

describe('the in-process queue\'s metrics', () => {
  const value = async (m: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}) =>
    (await m.registry.getSingleMetric(name)!.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value;

  it('counts committed batches and rows, permanent errors and every parked entry', async () => {
    const metrics = createMetrics();
    const store = new RefusingStore((e) => e.name.startsWith('bad'));
    const { queue } = queueOver(store, { metrics: metrics.store });
    await queue.enqueue(envelope('bad-1', 'ok-1', 'bad-2', 'ok-2', 'bad-3'));
    expect(await value(metrics, 'agent_ledger_dead_letter_entries_total')).toBe(3);
    expect(await value(metrics, 'agent_ledger_store_rows_written_total')).toBe(2);
    const batches = (await value(metrics, 'agent_ledger_store_write_batches_total'))!;
    expect(batches).toBeGreaterThan(0);
    expect(await value(metrics, 'agent_ledger_store_write_errors_total', { kind: 'permanent' })).toBe(store.writes - batches);
    expect(await value(metrics, 'agent_ledger_store_write_errors_total', { kind: 'transient' })).toBeUndefined();
    await queue.close();
  });

  it('counts transient errors apart, and the batch once it lands', async () => {
    const metrics = createMetrics();
    const store = new RefusingStore(() => false);
    store.transientFailures = 2;
    const { queue } = queueOver(store, { metrics: metrics.store });
    await queue.enqueue(envelope('x1', 'x2'));
    expect(await value(metrics, 'agent_ledger_store_write_errors_total', { kind: 'transient' })).toBe(2);
    expect(await value(metrics, 'agent_ledger_store_write_batches_total')).toBe(1);
    expect(await value(metrics, 'agent_ledger_store_rows_written_total')).toBe(2);
    expect(await value(metrics, 'agent_ledger_dead_letter_entries_total')).toBe(0);
    await queue.close();
  });

  it('reports what waits and what is being written', async () => {
    const store = new GatedStore();
    const queue = createInProcessQueue({
      store: store as unknown as LedgerStore,
      deadLetters: new DeadLetterDir(join(mkdtempSync(join(tmpdir(), 'dlq-')), 'dead-letters')),
      logger: pino({ level: 'silent' }),
      maxBytes: 10 * 1024 * 1024,
      batchMaxRows: 2,
      maxInFlightRows: 2,
      ackTimeoutMs: 3_000,
      retryAfterSeconds: 1,
    });
    const acks = [envelope('a1', 'a2'), envelope('b1'), envelope('c1', 'c2', 'c3')].map((e) => queue.enqueue(e));
    const depth = await queue.depth!();
    expect(depth).toMatchObject({ waitingEnvelopes: 2, activeEnvelopes: 1, waitingSpans: 4, pendingBytes: 600 });
    expect(depth.oldestAgeSeconds).toBeGreaterThanOrEqual(0);
    while ((await queue.depth!()).waitingEnvelopes + (await queue.depth!()).activeEnvelopes > 0) {
      store.releaseAll();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(acks);
    expect(await queue.depth!()).toEqual({ waitingEnvelopes: 0, activeEnvelopes: 0, waitingSpans: 0, oldestAgeSeconds: 0, pendingBytes: 0 });
    await queue.close();
  });
});
