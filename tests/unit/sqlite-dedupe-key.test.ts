import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { MIGRATIONS } from '../../exporters/sqlite/schema.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { writeSingleFileLedger } from '../helpers/ledger-at-version.js';

/** First write wins on (organization, run, span); a ledger written before that key moves to it intact. */

function entry(org: string, trace: number, span: number): EntryRecord {
  const traceId = trace.toString(16).padStart(32, '0');
  const spanId = span.toString(16).padStart(16, '0');
  return {
    id: entryId(org, traceId, spanId), organization_id: org, run_id: runIdFromTraceId(traceId), trace_id: traceId, span_id: spanId,
    parent_span_id: null, is_root: span === 1, name: 'step', kind: 'tool', outcome: 'success', status_message: null,
    start_us: 1_700_000_000_000_000 + span, end_us: 1_700_000_000_000_100 + span, duration_ms: 0.1, cost_nanos: 10_000, model: null,
    provider: null, input_tokens: null, output_tokens: null, total_tokens: null, agent_id: 'agent', service_name: null, user_id: null,
    inputs: { text: `span ${span}` }, outputs: null, compliance_metadata: null, tags: [], attributes: {}, truncated_fields: [], redactions: 0, entities: {},
  };
}

const indexes = (file: string) => {
  const db = openDatabase(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'entries'").pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
};

describe('the entries dedupe key', () => {
  it('keeps one row per (organization, run, span), while the same span ids in another run or organization are new rows', async () => {
    const store = await createSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'dedupe-')), 'ledger.db'), writer: 'inline' });
    try {
      expect((await store.ledger.write([entry('acme', 1, 1), entry('acme', 1, 2)])).inserted).toBe(2);
      expect((await store.ledger.write([entry('acme', 1, 2), entry('acme', 2, 2), entry('globex', 1, 2)])).inserted).toBe(2);
      const stats = await store.ledger.stats({ scope: { organization_id: 'acme' } });
      expect(stats.total_actions).toBe(3);
      expect(stats.total_cost_usd).toBe(0.00003);
    } finally {
      await store.close();
    }
  });

  it('moves a ledger indexed by entry id to the new key on start-up, keeping every entry and still refusing re-deliveries', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dedupe-migrate-')), 'ledger.db');
    // a single-file ledger in the shape the previous migration left it in
    const dedupeStep = MIGRATIONS.findIndex((m) => typeof m === 'string' && m.includes('CREATE UNIQUE INDEX entries_org_run_span'));
    await writeSingleFileLedger(file, [entry('acme', 1, 1), entry('acme', 1, 2), entry('acme', 2, 1)], dedupeStep);
    expect(indexes(file)).toEqual(expect.arrayContaining(['entries_id', 'entries_org_run_ts']));
    expect(indexes(file)).not.toContain('entries_org_run_span');

    const reopened = await createSqliteStore({ file, writer: 'inline' });
    try {
      // later steps met a schema they already changed, then the entries moved into their partition, under the new key
      expect(indexes(file)).toEqual([]);
      expect(indexes(join(partitionsDirOf(file), '2023-11-14.db'))).toContain('entries_org_run_span');
      expect((await reopened.ledger.write([entry('acme', 1, 2), entry('acme', 2, 1), entry('acme', 2, 2)])).inserted).toBe(1);
      const page = await reopened.ledger.queryLedger({ scope: { organization_id: 'acme' }, page: 0, page_size: 10, sort_by: 'timestamp', sort_order: 'desc' });
      expect(page.count).toBe(4);
      expect(new Set(page.data.map((e) => e.id)).size).toBe(4);
    } finally {
      await reopened.close();
    }
  });
});
