import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { rebuildRunsByUser } from '../../exporters/sqlite/runs-by-user-migration.js';
import { MIGRATIONS } from '../../exporters/sqlite/schema.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { RunSummary, Store } from '../../exporters/store.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { generateEntries } from '../conformance/dataset.js';
import { expectedLedgerPage } from '../conformance/expected-ledger.js';
import { expectedRuns, publicRun } from '../conformance/expected-runs.js';
import { writePlan } from '../conformance/write-plan.js';
import { writeSingleFileLedger } from '../helpers/ledger-at-version.js';

/**
 * Runs per (organization, run, user) in SQLite: a single-file ledger whose
 * runs were kept per (organization, run), with other users' spans merged
 * into them, is rebuilt under the new key when the store next opens, before
 * its entries move into partitions.
 */
const { written } = writePlan(generateEntries());
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const byRun = (a: RunSummary, b: RunSummary) =>
  a.id.localeCompare(b.id) || (a.user_id ?? '').localeCompare(b.user_id ?? '');
const sortedTags = (r: RunSummary) => ({ ...r, tags: [...r.tags].sort() });

async function allRuns(store: Store): Promise<RunSummary[]> {
  const page = await store.ledger.listRuns({ scope: { organization_id: null }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 1000 });
  return page.data.sort(byRun).map(sortedTags);
}

/** Runs as the rebuild's step found them (one row per (organization, run), every user's spans summed into it), in the table `migrate` made. */
const LEGACY_RUNS = `
  INSERT INTO runs SELECT organization_id, run_id, max(agent_id), min(user_id), min(ts_us), max(end_us), count(*), sum(cost_nanos),
    sum(is_root), max(is_root AND outcome = 'error'), max(CASE WHEN is_root THEN name END), max(CASE WHEN is_root THEN span_id END), NULL,
    sum(coalesce(input_tokens, 0)), sum(coalesce(output_tokens, 0)), sum(coalesce(total_tokens, 0)), NULL, '[]'
    FROM entries GROUP BY organization_id, run_id;
`;

describe('runs per (organization, run, user) in SQLite', () => {
  it('rebuilds runs kept per (organization, run) from the entries when the store opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runs-by-user-'));
    dirs.push(dir);
    const file = join(dir, 'ledger.db');
    // a single-file ledger from before runs per user
    await writeSingleFileLedger(file, written, MIGRATIONS.indexOf(rebuildRunsByUser), ['runs']);
    const raw = openDatabase(file);
    raw.exec(LEGACY_RUNS);
    const merged = raw.prepare('SELECT count(*) FROM runs').pluck().get() as number;
    raw.close();

    const reopened = await createSqliteStore({ file, writer: 'inline' });
    try {
      const expected = expectedRuns(written).map(publicRun).sort(byRun).map(sortedTags);
      // the dataset has traces two users wrote into: the old table had fewer runs, and an intruder's agent in someone else's
      expect(expected.length).toBeGreaterThan(merged);
      expect(await allRuns(reopened)).toEqual(expected);
      // every entry's run status is its own user's run's again
      const query = { scope: { organization_id: null }, sort_by: 'timestamp' as const, sort_order: 'asc' as const, page: 0, page_size: 1000 };
      // a single-file ledger predates entity extraction: its entries show none
      expect(await reopened.ledger.queryLedger(query)).toEqual(expectedLedgerPage(written.map((e) => ({ ...e, entities: {} })), query));
      // writes after the migration go to the rebuilt table: a re-delivery changes nothing
      expect((await reopened.ledger.write(written.slice(0, 40))).inserted).toBe(0);
      expect(await allRuns(reopened)).toEqual(expected);
    } finally {
      await reopened.close();
    }
    const db = openDatabase(file, { readonly: true });
    try {
      const indexes = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'runs'").pluck().all();
      expect(indexes).toEqual(expect.arrayContaining(['runs_org_start', 'runs_org_cost', 'runs_org_agent_start', 'runs_org_user_start']));
      const pk = db.prepare("SELECT name FROM pragma_table_info('runs') WHERE pk > 0 ORDER BY pk").pluck().all();
      expect(pk).toEqual(['organization_id', 'run_id', 'user_id']);
    } finally {
      db.close();
    }
  });
});

const DAY_US = 86_400_000_000;
const TRACE = 'abcdef0123456789abcdef0123456789';

function span(user: string | null, spanId: string, startUs: number, isRoot: boolean): EntryRecord {
  return {
    id: entryId('acme', TRACE, spanId), organization_id: 'acme', run_id: runIdFromTraceId(TRACE), trace_id: TRACE, span_id: spanId,
    parent_span_id: isRoot ? null : '00000000000000aa', is_root: isRoot, name: `${user}-step`, kind: 'tool', outcome: isRoot ? 'error' : 'success',
    status_message: null, start_us: startUs, end_us: startUs + 1000, duration_ms: 1, cost_nanos: user === 'alice' ? 5_000 : 70_000, model: null,
    provider: null, input_tokens: null, output_tokens: null, total_tokens: null, agent_id: `agent-${user}`, service_name: null, user_id: user,
    inputs: null, outputs: null, compliance_metadata: null, tags: [], attributes: {}, truncated_fields: [], redactions: 0, entities: {},
  };
}

describe('retention of runs per user', () => {
  it('takes expired entries out of their own user\'s run only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runs-by-user-retention-'));
    dirs.push(dir);
    const now = Date.UTC(2026, 0, 1) * 1000;
    const store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline', retentionDays: 400 });
    try {
      await store.credentials.createOrganization({ id: 'acme', name: 'Acme' });
      // Bob's spans in Alice's trace are old enough to expire, one of them a failed root; Alice's are recent
      await store.ledger.write([span('bob', '00000000000000b1', now - 500 * DAY_US, true), span('bob', '00000000000000b2', now - 450 * DAY_US, false)]);
      await store.ledger.write([span('alice', '00000000000000a1', now - DAY_US, false), span(null, '00000000000000c1', now - 420 * DAY_US, false)]);
      const scope = { organization_id: 'acme' };
      const alice = await store.ledger.getRun(scope, runIdFromTraceId(TRACE), 'alice');
      expect(alice?.run).toMatchObject({ user_id: 'alice', action_count: 1, total_cost_usd: 0.000005, status: 'running' });
      expect((await store.agents.sweepExpired({ now_us: now, batch_size: 1 })).runs).toBe(2);
      const runs = await store.ledger.listRuns({ scope, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 10 });
      expect(runs.data.map((r) => r.user_id)).toEqual(['alice']);
      expect(await store.ledger.getRun(scope, runIdFromTraceId(TRACE), 'alice')).toEqual(alice);
      expect(await store.ledger.getRun(scope, runIdFromTraceId(TRACE), 'bob')).toBeNull();
      expect(await store.ledger.getRun(scope, runIdFromTraceId(TRACE), null)).toBeNull();
    } finally {
      await store.close();
    }
  });
});
