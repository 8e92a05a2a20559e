import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { migrate, MIGRATIONS, nanoCosts } from '../../exporters/sqlite/schema.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { EntryRecord } from '../../model/ledger-entry.js';

/** A ledger written in micro-USD (every step before nanoCosts) reads back in nano-USD, every cost ×1000 exactly. */

const ORG = 'acme';
const TRACE = 'ab'.repeat(16);
const RUN = runIdFromTraceId(TRACE);
const T0 = 1_741_168_800_000_000; // 2025-03-05T10:00:00Z, on an hour
const HOUR_US = 3_600_000_000;

/** Rows as the micro-USD schema held them: two entries of 0.05 and 0.000019 USD, their run, rollups and agent. */
function writeMicroLedger(file: string): void {
  const db = openDatabase(file);
  migrate(db, MIGRATIONS.indexOf(nanoCosts));
  const entry = db.prepare(`INSERT INTO entries (id, organization_id, run_id, trace_id, span_id, parent_span_id, is_root, name, kind,
    outcome, ts_us, end_us, duration_ms, cost_micros, agent_id, tags, attributes, truncated_fields)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'tool', 'success', ?, ?, 1, ?, 'agent-1', '[]', '{}', '[]')`);
  entry.run(entryId(ORG, TRACE, '01'.repeat(8)), ORG, RUN, TRACE, '01'.repeat(8), null, 1, 'root', T0, T0 + 1000, 50_000);
  entry.run(entryId(ORG, TRACE, '02'.repeat(8)), ORG, RUN, TRACE, '02'.repeat(8), '01'.repeat(8), 0, 'step', T0 + 10, T0 + 1010, 19);
  db.prepare(`INSERT INTO runs (organization_id, run_id, agent_id, start_us, end_us, action_count, cost_micros, root_count, root_error,
    root_name, root_span_id, input_tokens, output_tokens, total_tokens, tags) VALUES (?, ?, 'agent-1', ?, ?, 2, 50019, 1, 0, 'root', ?, 0, 0, 0, '[]')`)
    .run(ORG, RUN, T0, T0 + 1010, '01'.repeat(8));
  const hour = Math.floor(T0 / HOUR_US);
  for (const h of [-1, hour]) {
    db.prepare('INSERT INTO rollup_outcome VALUES (?, ?, ?, 2, 50019, 2000)').run(ORG, h, 'success');
    db.prepare('INSERT INTO rollup_name VALUES (?, ?, ?, 1, ?)').run(ORG, h, 'root', 50_000);
    db.prepare('INSERT INTO rollup_name VALUES (?, ?, ?, 1, ?)').run(ORG, h, 'step', 19);
    db.prepare('INSERT INTO rollup_agent VALUES (?, ?, ?, 2, 50019)').run(ORG, h, 'agent-1');
    db.prepare('INSERT INTO rollup_duration VALUES (?, ?, 0, 2)').run(ORG, h);
  }
  db.prepare(`INSERT INTO agents (id, asn, organization_id, name, status, created_us, action_count, cost_micros)
    VALUES ('agt_1', 'ASN-2025-0000-0001-A', ?, 'agent-1', 'active', ?, 2, 50019)`).run(ORG, T0);
  db.prepare("INSERT INTO agent_external_ids VALUES (?, 'agent-1', 'agt_1')").run(ORG);
  db.close();
}

function newEntry(span: string, costNanos: number): EntryRecord {
  return {
    id: entryId(ORG, TRACE, span), organization_id: ORG, run_id: RUN, trace_id: TRACE, span_id: span, parent_span_id: '01'.repeat(8),
    is_root: false, name: 'step', kind: 'tool', outcome: 'success', status_message: null, start_us: T0 + 20, end_us: T0 + 1020,
    duration_ms: 1, cost_nanos: costNanos, model: null, provider: null, input_tokens: null, output_tokens: null, total_tokens: null,
    agent_id: 'agent-1', service_name: null, user_id: null, inputs: null, outputs: null, compliance_metadata: null, tags: [], attributes: {},
    truncated_fields: [], redactions: 0, entities: {},
  };
}

describe('the micro-USD → nano-USD migration', () => {
  it('rescales entries, runs, rollups and agents exactly, keeps entries immutable, and sums new sub-micro costs with the old', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cost-migrate-')), 'ledger.db');
    writeMicroLedger(file);

    const store = await createSqliteStore({ file, writer: 'inline' });
    try {
      const scope = { organization_id: ORG };
      const page = await store.ledger.queryLedger({ scope, page: 0, page_size: 10, sort_by: 'cost', sort_order: 'desc' });
      expect(page.data.map((e) => [e.name, e.cost_usd])).toEqual([['root', 0.05], ['step', 0.000019]]);
      expect((await store.ledger.getRun(scope, RUN))!.run.total_cost_usd).toBe(0.050019);
      expect((await store.ledger.stats({ scope })).total_cost_usd).toBe(0.050019);
      // 0.000019 USD is 19000 nanos now: a bound between 18999 and 19000 nanos finds it, one above does not
      const cheap = await store.ledger.queryLedger({ scope, page: 0, page_size: 10, sort_by: 'cost', sort_order: 'asc', min_cost_nanos: 19_000, max_cost_nanos: 19_000 });
      expect(cheap.data.map((e) => e.name)).toEqual(['step']);

      // a sub-micro cost written after the migration adds to the rescaled sums exactly
      expect((await store.ledger.write([newEntry('03'.repeat(8), 193)])).inserted).toBe(1);
      expect((await store.ledger.getRun(scope, RUN))!.run.total_cost_usd).toBe(0.050019193);
      const stats = await store.ledger.stats({ scope });
      expect(stats.total_cost_usd).toBe(0.050019193);
      expect(stats.top_actions).toEqual([{ name: 'root', count: 1, cost_usd: 0.05 }, { name: 'step', count: 2, cost_usd: 0.000019193 }]);
      expect(stats.top_agents).toEqual([{ agent_id: 'agent-1', count: 3, cost_usd: 0.050019193 }]);
    } finally {
      await store.close();
    }

    // the entries moved into their day's partition, rescaled and still immutable there
    const partition = openDatabase(join(partitionsDirOf(file), '2025-03-05.db'));
    try {
      expect(partition.prepare('SELECT cost_nanos FROM entries ORDER BY seq').pluck().all()).toEqual([50_000_000, 19_000, 193]);
      expect(() => partition.prepare('UPDATE entries SET cost_nanos = 0').run()).toThrow(/immutable/);
    } finally {
      partition.close();
    }
    const db = openDatabase(file);
    try {
      expect(db.prepare('SELECT cost_nanos FROM agents').pluck().get()).toBe(50_019_193);
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'entries'").pluck().get()).toBe(0);
      // met again (a later step rebuilt nothing), the step changes nothing
      db.transaction(() => nanoCosts(db))();
      expect(db.prepare('SELECT cost_nanos FROM agents').pluck().get()).toBe(50_019_193);
      expect(db.prepare('SELECT cost_nanos FROM runs').pluck().get()).toBe(50_019_193);
    } finally {
      db.close();
    }
  });
});
