import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { tailEntryMatches } from '../../exporters/tail-filter.js';
import type { TailEntry } from '../../exporters/store.js';
import { ledgerCases } from '../conformance/ledger-cases.js';
import { batchesOf, generateEntries } from '../conformance/dataset.js';

/**
 * The SQLite tail (exporters/sqlite/ledger-tail.ts) and the stream's match
 * in memory (exporters/tail-filter.ts): the same entries, the same JSON, as
 * the store's own reads, for every conformance filter and scope; positions
 * that resume without gaps or repeats, late writes into older days included.
 */

const DAY_US = 86_400_000_000;
let store: SqliteStore;
let dir: string;
const entries = generateEntries();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-tail-'));
  store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
  for (const batch of batchesOf(entries)) await store.ledger.write(batch);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function readAll(from = new Map<string, number>()): TailEntry[] {
  const out: TailEntry[] = [];
  const position = new Map(from);
  for (;;) {
    const rows = store.tail.read(position, 37);
    if (rows.length === 0) return out;
    for (const r of rows) position.set(r.source, r.seq);
    out.push(...rows);
  }
}

describe('the tail from the start', () => {
  it('reads every entry once', () => {
    const ids = readAll().map((r) => JSON.parse(r.json).id);
    expect(ids).toHaveLength(new Set(entries.map((e) => e.id)).size);
    expect(new Set(ids).size).toBe(ids.length);
  });

  const cases = ledgerCases(entries).filter((c) => c.query.q === undefined);
  it.each(cases.map((c) => [c.caption, c] as const))('matches in memory what the store answers: %s', async (_caption, c) => {
    const expected: LedgerEntry[] = [];
    for await (const e of store.ledger.exportLedger(c.query, 1_000_000)) expected.push(e);
    const matched = readAll().filter((r) => tailEntryMatches(c.query, r)).map((r) => JSON.parse(r.json) as LedgerEntry);
    const byId = (a: LedgerEntry, b: LedgerEntry) => (a.id < b.id ? -1 : 1);
    expect(matched.sort(byId)).toEqual(expected.sort(byId));
  });

  it('refuses to match `q`', () => {
    const withQ = ledgerCases(entries).find((c) => c.query.q !== undefined)!;
    expect(() => tailEntryMatches(withQ.query, readAll()[0])).toThrow(/`q`/);
  });
});

describe('positions', () => {
  it('resume exactly after what was read: new days, late writes into older days, and `until` bounds', async () => {
    const head = store.tail.head();
    expect(store.tail.read(head, 100)).toEqual([]);
    const [first] = entries;
    const days = head.size;
    const late = { ...first, id: '00000000-0000-5000-8000-00000000000a', span_id: 'aaaaaaaaaaaaaaaa', name: 'late_into_old_day' };
    const future = { ...first, id: '00000000-0000-5000-8000-00000000000b', span_id: 'bbbbbbbbbbbbbbbb', name: 'new_day', start_us: first.start_us + 400 * DAY_US, end_us: first.end_us + 400 * DAY_US };
    await store.ledger.write([late, future]);
    const after = store.tail.read(head, 100);
    expect(after.map((r) => JSON.parse(r.json).name).sort()).toEqual(['late_into_old_day', 'new_day']);
    // `until` the old head: nothing new; a source `until` lacks: none of it
    expect(store.tail.read(head, 100, head)).toEqual([]);
    const newHead = store.tail.head();
    expect(newHead.size).toBe(days + 1);
    expect(store.tail.read(head, 100, newHead)).toHaveLength(2);
    expect(store.tail.read(newHead, 100)).toEqual([]);
    // a copy of an entry already written inserts nothing, so the tail has nothing new
    await store.ledger.write([late]);
    expect(store.tail.read(newHead, 100)).toEqual([]);
  });

  it('encode to an opaque text that decodes to the same position, and refuse any other text', () => {
    const head = store.tail.head();
    expect(head.size).toBeGreaterThan(3);
    const text = store.tail.encode(head);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(store.tail.decode(text)).toEqual(head);
    const prehistoric = new Map([['0000-01-01.db', 1], ['1969-12-31.db', 2], ['9999-12-31.db', 3]]);
    expect(store.tail.decode(store.tail.encode(prehistoric))).toEqual(prehistoric);
    expect(store.tail.decode(store.tail.encode(new Map()))).toEqual(new Map());
    for (const bad of ['', 'x', 'AA', `${text}=`, `${text}A`, text.slice(0, -1) + '!', 'AQE', 'AQIA', '../..', 'A'.repeat(70_000)]) {
      expect(store.tail.decode(bad), JSON.stringify(bad.slice(0, 30))).toBeNull();
    }
  });
});
