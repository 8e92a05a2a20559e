import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivityRejectedError, type AgentStore } from '../../exporters/agent-store.js';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { partitionName } from '../../exporters/sqlite/partition-files.js';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { normalizeOne } from '../helpers/normalize-spans.js';

/**
 * The SQLite agent store from its TypeScript sources (inline writer), with a
 * clock the test moves: immutability in the store itself, auto-registration
 * from written entries, and the retention sweep, which needs records older
 * than their retention.
 */

const DAY_US = 86_400_000_000;
const T0 = Date.parse('2025-01-01T00:00:00Z') * 1000;
const SYSTEM = { actor_type: 'system' as const, actor_id: null };

let store: SqliteStore;
let file: string;
let now = T0;

beforeEach(async () => {
  now = T0;
  file = join(mkdtempSync(join(tmpdir(), 'agents-it-')), 'ledger.db');
  store = await createSqliteStore({ file, writer: 'inline', clock: () => now, retentionDays: 400 });
  await store.credentials.createOrganization({ id: 'org_test', name: 'test' });
});

afterEach(async () => {
  await store.close();
});

let spanCounter = 0;
function entry(agent: string, atUs: number, outcome: 'ok' | 'error' = 'ok'): EntryRecord {
  spanCounter++;
  return normalizeOne(
    { 'gen_ai.agent.id': agent },
    {
      traceId: spanCounter.toString(16).padStart(32, 'a'),
      spanId: spanCounter.toString(16).padStart(16, 'b'),
      startTimeUnixNano: BigInt(atUs) * 1000n,
      endTimeUnixNano: BigInt(atUs + 1000) * 1000n,
      status: outcome === 'error' ? { code: 2, message: 'boom' } : { code: 0, message: '' },
    },
  );
}

async function report(agentId: string, n: number, stepUs: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.agents.reportActivity([{ agent_id: agentId, event_type: 'task_completed', severity: 'info', metadata: { i } }], 'tester');
    now += stepUs;
  }
}

describe('the store refuses to change history', () => {
  it('has no update or delete operation for events, and its triggers refuse them in SQL', async () => {
    const agent = await store.agents.registerAgent({ organization_id: 'org_test', name: 'a', external_ids: ['a'] }, SYSTEM);
    await report(agent.id, 2, 1000);
    await store.ledger.write([entry('a', T0)]);
    const methods = Object.keys(store.agents).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(store.agents)));
    expect(methods).toContain('reportActivity');
    expect(methods.filter((m) => /^(update|delete|remove|edit)/i.test(m))).toEqual([]);
    const agentStore: AgentStore = store.agents;
    expect(Object.keys(agentStore)).not.toContain('updateActivity');
    for (const sql of [
      "UPDATE activity_events SET metadata = '{}'",
      'DELETE FROM activity_events',
      "UPDATE lifecycle_events SET to_state = 'deactivated'",
      'DELETE FROM lifecycle_events',
    ]) {
      expect(() => store.db.prepare(sql).run(), sql).toThrow(/immutable|only by the retention sweep/);
    }
    // entries live in their day's partition, which carries the same triggers
    const partition = openDatabase(join(partitionsDirOf(file), partitionName(T0)));
    try {
      for (const sql of ["UPDATE entries SET name = 'x'", 'DELETE FROM entries']) {
        expect(() => partition.prepare(sql).run(), sql).toThrow(/immutable|only by the retention sweep/);
      }
      expect(partition.prepare('SELECT count(*) FROM entries').pluck().get()).toBe(1);
    } finally {
      partition.close();
    }
    expect((await store.agents.verifyActivityChain(agent.id)).valid).toBe(true);
  });

  it('refuses a report for an agent deactivated by the time it is written, writing nothing of the batch', async () => {
    const a = await store.agents.registerAgent({ organization_id: 'org_test', name: 'a', external_ids: [] }, SYSTEM);
    const b = await store.agents.registerAgent({ organization_id: 'org_test', name: 'b', external_ids: [] }, SYSTEM);
    await store.agents.setAgentStatus(b.id, 'deactivated', SYSTEM);
    const attempt = store.agents.reportActivity(
      [
        { agent_id: a.id, event_type: 'x', severity: 'info', metadata: {} },
        { agent_id: b.id, event_type: 'x', severity: 'info', metadata: {} },
      ],
      'tester',
    );
    await expect(attempt).rejects.toMatchObject({ name: 'ActivityRejectedError', index: 1, reason: 'deactivated' });
    await expect(attempt).rejects.toBeInstanceOf(ActivityRejectedError);
    expect((await store.agents.listActivity({ agent_id: a.id, page: 1, per_page: 50 })).total).toBe(0);
  });
});

describe('agents named by spans', () => {
  it('are registered once, by inserted entries only, with counters and a lifecycle event by the system', async () => {
    const first = [entry('scanner', T0), entry('scanner', T0 + 1, 'error'), entry('mailer', T0 + 2)];
    await store.ledger.write(first);
    await store.ledger.write(first); // re-delivered: nothing moves
    const { data, total } = await store.agents.listAgents({ scope: { organization_id: 'org_test' }, page: 1, per_page: 10 });
    expect(total).toBe(2);
    const scanner = data.find((a) => a.name === 'scanner')!;
    expect(scanner).toMatchObject({ external_ids: ['scanner'], action_count: 2, error_rate: 0.5, status: 'active' });
    const feed = await store.agents.listAgentActions({ agent_id: scanner.id, scope: { organization_id: 'org_test' }, since_us: 0, until_us: T0 + DAY_US, limit: 10 });
    expect(feed.filter((f) => f.source === 'event').map((f) => f.source === 'event' && f.event)).toEqual([
      expect.objectContaining({ event_type: 'register', from_state: null, to_state: 'active', actor_type: 'system', actor_id: null }),
    ]);
    expect(feed.filter((f) => f.source === 'log')).toHaveLength(2);
  });

  it('attach to a registered agent when they carry its ASN', async () => {
    const agent = await store.agents.registerAgent({ organization_id: 'org_test', name: 'named', external_ids: [] }, SYSTEM);
    await store.ledger.write([entry(agent.asn, T0)]);
    const found = await store.agents.findAgent({ organization_id: 'org_test' }, agent.id);
    expect(found).toMatchObject({ action_count: 1, external_ids: [agent.asn] });
    expect((await store.agents.listAgents({ scope: { organization_id: 'org_test' }, page: 1, per_page: 10 })).total).toBe(1);
  });
});

describe('the retention sweep', () => {
  it('removes only what is past retention, keeps tombstones, and the chain still verifies from the oldest retained link', async () => {
    const agent = await store.agents.registerAgent({ organization_id: 'org_test', name: 'a', external_ids: ['a'] }, SYSTEM);
    // 10 events a day apart from T0, 10 more from T0 + 200 days
    await report(agent.id, 10, DAY_US);
    now = T0 + 200 * DAY_US;
    await report(agent.id, 10, DAY_US);
    await store.ledger.write([entry('a', T0 + 5 * DAY_US), entry('a', T0 + 5 * DAY_US + 1), entry('a', T0 + 300 * DAY_US)]);
    const statsBefore = await store.ledger.stats({ scope: { organization_id: 'org_test' } });
    expect(statsBefore.total_actions).toBe(3);

    // 405 days after T0 + 5.5 days: the first 6 events (T0 … T0+5d) and the two early entries are past 400 days
    now = T0 + 405 * DAY_US + DAY_US / 2;
    const report1 = await store.agents.sweepExpired({ now_us: now, batch_size: 4 });
    expect(report1).toEqual({ entries: 2, activity_events: 6, lifecycle_events: 1, runs: 2 });

    const verification = await store.agents.verifyActivityChain(agent.id);
    expect(verification).toMatchObject({ valid: true, tombstones: 6, events_checked: 14, verified_from: 7, first_broken: null });
    expect(verification.head.sequence).toBe(20);
    const { data, total } = await store.agents.listActivity({ agent_id: agent.id, page: 1, per_page: 50 });
    expect(total).toBe(14);
    expect(Math.min(...data.map((e) => e.sequence))).toBe(7);
    for (const e of data) expect(Date.parse(e.expires_at)).toBe(Date.parse(e.created_at) + 400 * 86_400_000);

    // the sweep took its entries out of everything kept from them
    const stats = await store.ledger.stats({ scope: { organization_id: 'org_test' } });
    expect(stats.total_actions).toBe(1);
    expect((await store.ledger.queryLedger({ scope: { organization_id: 'org_test' }, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 })).count).toBe(1);
    expect((await store.ledger.listRuns({ scope: { organization_id: 'org_test' }, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 })).count).toBe(1);

    // nothing more is due: a second sweep removes nothing
    expect(await store.agents.sweepExpired({ now_us: now, batch_size: 4 })).toEqual({ entries: 0, activity_events: 0, lifecycle_events: 0, runs: 0 });
    // tombstones cannot be removed or changed either
    expect(() => store.db.prepare('DELETE FROM activity_tombstones').run()).toThrow(/never deleted/);
  });

  it('follows each organization\'s retention, refusing less than 183 days unless forced', async () => {
    await expect(store.agents.setOrganizationPolicy('org_test', { retention_days: 90 })).rejects.toThrow(/183/);
    expect(await store.agents.setOrganizationPolicy('org_test', { retention_days: 90 }, true)).toEqual({ retention_days: 90, public_activity: true });
    await store.ledger.write([entry('a', T0 - 100 * DAY_US), entry('a', T0 - 50 * DAY_US)]);
    expect((await store.agents.sweepExpired({ now_us: T0, batch_size: 100 })).entries).toBe(1);
  });
});
