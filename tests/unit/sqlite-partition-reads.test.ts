import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { PartitionFiles } from '../../exporters/sqlite/partition-files.js';
import { PartitionReaders } from '../../exporters/sqlite/partition-readers.js';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { parseSearchQuery } from '../../model/search-query.js';

/** Reads over day partitions: answers kept per partition follow its writes; a cursor walk finds rows tied at a day edge. */

const DAY_US = 86_400_000_000;
const DAY1 = Date.UTC(2026, 10, 2) * 1000;

function entry(trace: number, span: number, startUs: number, word: string): EntryRecord {
  const traceId = trace.toString(16).padStart(32, '0');
  const spanId = span.toString(16).padStart(16, '0');
  return {
    id: entryId('acme', traceId, spanId), organization_id: 'acme', run_id: runIdFromTraceId(traceId), trace_id: traceId, span_id: spanId,
    parent_span_id: null, is_root: true, name: 'step', kind: 'tool', outcome: 'error', status_message: null,
    start_us: startUs, end_us: startUs + 100, duration_ms: 0.1, cost_nanos: 10, model: null, provider: null, input_tokens: null,
    output_tokens: null, total_tokens: null, agent_id: 'agent', service_name: null, user_id: null, inputs: { text: word }, outputs: null,
    compliance_metadata: null, tags: [], attributes: {}, truncated_fields: [], redactions: 0, entities: {},
  };
}

let store: SqliteStore | null = null;
let dir = '';
afterEach(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('answers kept per partition', () => {
  it('count, stats and runs matching q follow writes to a day already read, and late writes to an older one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'answer-cache-'));
    store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
    const scope = { organization_id: 'acme' };
    const read = async () => ({
      count: (await store!.ledger.queryLedger({ scope, outcome: 'error', sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 })).count,
      stats: (await store!.ledger.stats({ scope })).total_actions,
      runs: (await store!.ledger.listRuns({ scope, q: parseSearchQuery('zebra'), sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 })).count,
    });
    await store.ledger.write([entry(1, 1, DAY1 + DAY_US, 'zebra'), entry(2, 1, DAY1, 'lion')]);
    expect(await read()).toEqual({ count: 2, stats: 2, runs: 1 });
    expect(await read()).toEqual({ count: 2, stats: 2, runs: 1 });
    await store.ledger.write([entry(3, 1, DAY1 + DAY_US + 5, 'zebra')]);
    expect(await read()).toEqual({ count: 3, stats: 3, runs: 2 });
    // a late span to the older day
    await store.ledger.write([entry(4, 1, DAY1 + 7, 'zebra')]);
    expect(await read()).toEqual({ count: 4, stats: 4, runs: 3 });
  });
});

describe('a cursor walk by time over days', () => {
  it('finds the rows tied at a day’s first µs after a cursor placed on them, both ways', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cursor-midnight-'));
    store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
    const midnight = DAY1 + DAY_US;
    const rows = [entry(1, 1, midnight, 'a'), entry(2, 1, midnight, 'b'), entry(3, 1, midnight - 1, 'c'), entry(4, 1, midnight + 1, 'd')];
    await store.ledger.write(rows);
    for (const sort_order of ['desc', 'asc'] as const) {
      const seen: string[] = [];
      let after;
      for (;;) {
        const page = await store.ledger.queryLedger({ scope: { organization_id: 'acme' }, sort_by: 'timestamp', sort_order, page: 0, page_size: 1, after });
        seen.push(...page.data.map((e) => e.id));
        if (!page.next) break;
        after = page.next;
      }
      const expected = [...rows].sort((a, b) => a.start_us - b.start_us || (a.id < b.id ? -1 : 1)).map((e) => e.id);
      expect(seen).toEqual(sort_order === 'asc' ? expected : expected.reverse());
    }
  });
});

describe('a partition from before its sort indexes ended in id', () => {
  it('is brought up to date when a writer opens it, and pages by cost answer the same', async () => {
    dir = mkdtempSync(join(tmpdir(), 'partition-v1-'));
    const file = join(dir, 'ledger.db');
    store = await createSqliteStore({ file, writer: 'inline' });
    await store.ledger.write(Array.from({ length: 30 }, (_, i) => ({ ...entry(i + 1, 1, DAY1 + i, 'x'), cost_nanos: i % 4 })));
    const query = { scope: { organization_id: 'acme' }, sort_by: 'cost' as const, sort_order: 'desc' as const, page: 1, page_size: 7 };
    const before = await store.ledger.queryLedger(query);
    await store.close();
    store = null;
    const day = join(partitionsDirOf(file), readdirSync(partitionsDirOf(file)).find((f) => f.endsWith('.db'))!);
    const raw = openDatabase(day);
    raw.exec(`DROP TRIGGER entities_immutable; DROP TRIGGER entities_retention_only; DROP TABLE entities; DROP TRIGGER entries_immutable;
      ALTER TABLE entries DROP COLUMN entities;
      CREATE TRIGGER entries_immutable BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
      DROP INDEX entries_org_outcome_cost; DROP INDEX entries_org_name_id; DROP INDEX entries_org_cost; DROP INDEX entries_org_duration;
      CREATE INDEX entries_org_outcome_cost ON entries (organization_id, outcome, cost_nanos);
      CREATE INDEX entries_org_name_ts ON entries (organization_id, name, ts_us);
      CREATE INDEX entries_org_cost ON entries (organization_id, cost_nanos);
      CREATE INDEX entries_org_duration ON entries (organization_id, duration_ms);
      DROP TABLE log_messages; DROP TABLE message_join; DROP TRIGGER entries_messages_by_join_only; DROP TRIGGER entries_immutable;
      CREATE TRIGGER entries_immutable BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
      ALTER TABLE entries DROP COLUMN details;
      PRAGMA user_version = 1;`);
    raw.close();
    store = await createSqliteStore({ file, writer: 'inline' });
    const check = openDatabase(day, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(5);
    // rows from before details keep NULL there: readers take them from the attributes (stored-details.ts)
    expect(check.prepare('SELECT count(*) FROM entries WHERE details IS NULL').pluck().get()).toBe(30);
    expect(check.prepare("SELECT sql FROM sqlite_schema WHERE name = 'entries_org_cost'").pluck().get()).toMatch(/cost_nanos, id\)/);
    check.close();
    expect(await store.ledger.queryLedger(query)).toEqual(before);
  });
});

describe('answers kept per partition', () => {
  it('are bounded in rows over every connection: a reader asking many large questions does not grow the heap for good', () => {
    dir = mkdtempSync(join(tmpdir(), 'answer-bound-'));
    const readers = new PartitionReaders(new PartitionFiles(join(dir, 'p')), join(dir, 'ledger.db'));
    const a = openDatabase(':memory:');
    const b = openDatabase(':memory:');
    try {
      let computed = 0;
      const big = () => (computed++, new Array(600_000).fill(0));
      readers.cached(a, 'x', big);
      readers.cached(a, 'x', big);
      expect(computed).toBe(1); // kept
      readers.cached(b, 'y', big); // 1.2M rows would pass the bound: what was kept goes first
      readers.cached(b, 'y', big);
      expect(computed).toBe(2);
      readers.cached(a, 'x', big);
      expect(computed).toBe(3);
      expect(readers.cached(a, 'small', () => 7)).toBe(7);
    } finally {
      a.close();
      b.close();
      readers.close();
    }
  });
});
