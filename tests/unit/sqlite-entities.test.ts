import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { ledgerWhere } from '../../exporters/sqlite/ledger-filter-sql.js';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { LedgerQuery } from '../../exporters/store.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { Entities } from '../../model/entities.js';
import { compileQuery } from '../../model/query-language.js';
import type { EntryRecord } from '../../model/ledger-entry.js';

/** The partition's `entities` table (partition-schema.ts): written with the entry, immutable, migrated into older days, read by seek. */

const DAY1 = Date.UTC(2026, 10, 2) * 1000;
const SCOPE = { organization_id: 'acme' };

function entry(n: number, startUs: number, entities: Entities): EntryRecord {
  const traceId = n.toString(16).padStart(32, '0');
  const spanId = n.toString(16).padStart(16, '0');
  return {
    id: entryId('acme', traceId, spanId), organization_id: 'acme', run_id: runIdFromTraceId(traceId), trace_id: traceId, span_id: spanId,
    parent_span_id: null, is_root: true, name: 'http_get', kind: 'tool', outcome: 'success', status_message: null,
    start_us: startUs, end_us: startUs + 100, duration_ms: 0.1, cost_nanos: 10, model: null, provider: null, input_tokens: null,
    output_tokens: null, total_tokens: null, agent_id: `agent-${n % 2}`, service_name: null, user_id: null, inputs: null, outputs: null,
    compliance_metadata: null, tags: [], attributes: {}, truncated_fields: [], redactions: 0, entities,
  };
}

const timeline = (value: string): LedgerQuery => ({ scope: SCOPE, entity: { type: 'host', value }, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 100 });

let store: SqliteStore | null = null;
let dir = '';
afterEach(async () => {
  await store?.close();
  store = null;
  rmSync(dir, { recursive: true, force: true });
});

const dayFile = (file: string) => join(partitionsDirOf(file), readdirSync(partitionsDirOf(file)).find((f) => f.endsWith('.db'))!);

describe('entities in a partition', () => {
  it('are written with their entry (a re-delivered entry adds none) and cannot be changed or deleted outside retention', async () => {
    dir = mkdtempSync(join(tmpdir(), 'entities-'));
    const file = join(dir, 'ledger.db');
    store = await createSqliteStore({ file, writer: 'inline' });
    const e = entry(1, DAY1, { host: ['evil.example'], ip: ['10.0.0.7'] });
    await store.ledger.write([e]);
    await store.ledger.write([{ ...e, entities: { host: ['other.example'] } }]);
    const db = openDatabase(dayFile(file));
    try {
      expect(db.prepare('SELECT type, value, ts_us FROM entities ORDER BY type').all()).toEqual([
        { type: 'host', value: 'evil.example', ts_us: DAY1 },
        { type: 'ip', value: '10.0.0.7', ts_us: DAY1 },
      ]);
      expect(() => db.prepare("UPDATE entities SET value = 'x'").run()).toThrow(/immutable/);
      expect(() => db.prepare('DELETE FROM entities').run()).toThrow(/retention/);
      expect(() => db.prepare("UPDATE entries SET entities = '{}'").run()).toThrow(/immutable/);
    } finally {
      db.close();
    }
    expect((await store.ledger.queryLedger(timeline('evil.example'))).data.map((x) => x.entities)).toEqual([{ host: ['evil.example'], ip: ['10.0.0.7'] }]);
    expect((await store.ledger.queryLedger(timeline('other.example'))).count).toBe(0);
  });

  it('come to a day written before them: its entries show none, and new writes to it are found', async () => {
    dir = mkdtempSync(join(tmpdir(), 'entities-v3-'));
    const file = join(dir, 'ledger.db');
    store = await createSqliteStore({ file, writer: 'inline' });
    await store.ledger.write([entry(1, DAY1, { host: ['evil.example'] })]);
    await store.close();
    store = null;
    // the day as the previous version left it (user_version 4, details but no entities): no entities table, no column
    const raw = openDatabase(dayFile(file));
    raw.exec(`DROP TRIGGER entities_immutable; DROP TRIGGER entities_retention_only; DROP TABLE entities; DROP TRIGGER entries_immutable;
      ALTER TABLE entries DROP COLUMN entities;
      CREATE TRIGGER entries_immutable BEFORE UPDATE OF seq, id, organization_id, run_id, trace_id, span_id, parent_span_id, is_root, name, kind, outcome,
        status_message, ts_us, end_us, duration_ms, cost_nanos, model, provider, input_tokens, output_tokens, total_tokens, agent_id, service_name,
        user_id, compliance, tags, attributes, truncated_fields, redactions, details ON entries BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
      PRAGMA user_version = 4;`);
    raw.close();
    store = await createSqliteStore({ file, writer: 'inline' });
    await store.ledger.write([entry(2, DAY1 + 5, { host: ['evil.example'] })]);
    const check = openDatabase(dayFile(file), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(5);
    check.close();
    const all = await store.ledger.queryLedger({ ...timeline('x'), entity: undefined });
    expect(all.data.map((x) => [x.id, x.entities])).toEqual([[entry(2, 0, {}).id, { host: ['evil.example'] }], [entry(1, 0, {}).id, {}]]);
    expect((await store.ledger.queryLedger(timeline('evil.example'))).data.map((x) => x.id)).toEqual([entry(2, 0, {}).id]);
    expect(await store.ledger.timelineSummary({ scope: SCOPE, entity: { type: 'host', value: 'evil.example' } })).toEqual({
      count: 1, first_seen_us: DAY1 + 5, last_seen_us: DAY1 + 5, by_agent: [{ agent_id: 'agent-0', count: 1 }], by_day: [{ day: '2026-11-02', count: 1 }],
    });
  });

  it('are read by a seek on the entities key, never a scan of the day', async () => {
    dir = mkdtempSync(join(tmpdir(), 'entities-plan-'));
    const file = join(dir, 'ledger.db');
    store = await createSqliteStore({ file, writer: 'inline' });
    await store.ledger.write(Array.from({ length: 200 }, (_, i) => entry(i + 1, DAY1 + i, i % 50 === 0 ? { host: ['evil.example'] } : { host: [`h${i}.example`] })));
    const db = openDatabase(dayFile(file));
    try {
      db.exec('ANALYZE');
      const where = ledgerWhere(db, { scope: SCOPE, entity: { type: 'host', value: 'evil.example' } })!;
      const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM entries e WHERE ${where.sql}`).all(...where.params) as Array<{ detail: string }>).map((r) => r.detail);
      expect(plan.join('\n')).toMatch(/SEARCH n USING PRIMARY KEY \(organization_id=\? AND type=\? AND value=\?/);
      expect(plan.join('\n')).not.toMatch(/SCAN e\b/);
    } finally {
      db.close();
    }
  });

  it('answer the query language\'s `entities.<type>` by the same seek: a value, a trailing wildcard as a key range', async () => {
    dir = mkdtempSync(join(tmpdir(), 'entities-query-plan-'));
    const file = join(dir, 'ledger.db');
    store = await createSqliteStore({ file, writer: 'inline' });
    await store.ledger.write(Array.from({ length: 200 }, (_, i) => entry(i + 1, DAY1 + i, i % 50 === 0 ? { host: ['evil.example'] } : { host: [`h${i}.example`] })));
    const db = openDatabase(dayFile(file));
    try {
      db.exec('ANALYZE');
      const planOf = (query: string) => {
        const where = ledgerWhere(db, { scope: SCOPE, query: compileQuery(query) })!;
        return (db.prepare(`EXPLAIN QUERY PLAN SELECT count(*) FROM entries e WHERE ${where.sql}`).all(...where.params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
      };
      expect(planOf('entities.host:evil.example')).toMatch(/SEARCH n USING PRIMARY KEY \(organization_id=\? AND type=\? AND value=\?/);
      expect(planOf('entities.host:evil.example')).not.toMatch(/SCAN e\b/);
      expect(planOf('entities.host:h1*')).toMatch(/SEARCH n USING PRIMARY KEY \(organization_id=\? AND type=\? AND value>\? AND value<\?\)/);
      expect(planOf('entities.host:h1*')).not.toMatch(/SCAN e\b/);
    } finally {
      db.close();
    }
    const count = async (query: string) => (await store!.ledger.queryLedger({ ...timeline('x'), entity: undefined, query: compileQuery(query) })).count;
    expect(await count('entities.host:evil.example')).toBe(4);
    // h1, h10–h19, h100–h199 less the multiples of 50 (evil.example there)
    expect(await count('entities.host:h1*')).toBe(1 + 10 + 100 - 2);
    // less those ending in 0: h10, h110–h190 but h150
    expect(await count('entities.host:h1*.example AND NOT entities.host:h1*0.example')).toBe(1 + 10 + 100 - 2 - 9);
  });
});
