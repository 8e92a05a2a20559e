import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { MIGRATIONS } from '../../exporters/sqlite/schema.js';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { generateEntries } from '../conformance/dataset.js';
import { writePlan } from '../conformance/write-plan.js';
import { writeSingleFileLedger } from '../helpers/ledger-at-version.js';

/**
 * An agent's usage per user (the user role's view of agents): kept at write
 * time, and filled from the entries by the schema step when a single-file
 * ledger from before it opens (then its entries move into partitions); both must be exactly the sums over that user's entries.
 */
const { written } = writePlan(generateEntries());
const dir = mkdtempSync(join(tmpdir(), 'agent-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The table with each agent named by its organization and first external id (agents get new UUIDs in each ledger). */
const table = (file: string) => {
  const db = openDatabase(file, { readonly: true });
  try {
    return db
      .prepare(`SELECT a.organization_id, (SELECT min(external_id) FROM agent_external_ids x WHERE x.agent_id = a.id) AS agent,
          u.user_id, u.action_count, u.error_count, u.cost_nanos, u.last_seen_us
        FROM agent_user_usage u JOIN agents a ON a.id = u.agent_id ORDER BY 1, 2, 3`)
      .all();
  } finally {
    db.close();
  }
};

describe('agent usage per user in SQLite', () => {
  it('is the sum over each user\'s own entries, at write time and when filled by the migration', async () => {
    const pairs = new Map<string, { org: string; agent: string; user: string; n: number; errors: number; nanos: number }>();
    for (const e of written) {
      if (e.agent_id === null || e.user_id === null) continue;
      const key = `${e.organization_id}\u0000${e.agent_id}\u0000${e.user_id}`;
      const p = pairs.get(key) ?? { org: e.organization_id, agent: e.agent_id, user: e.user_id, n: 0, errors: 0, nanos: 0 };
      p.n++;
      if (e.outcome === 'error') p.errors++;
      p.nanos += e.cost_nanos;
      pairs.set(key, p);
    }
    expect(pairs.size).toBeGreaterThan(3);
    const expectSums = async (store: SqliteStore) => {
      for (const p of pairs.values()) {
        const agent = await store.agents.findAgent({ organization_id: p.org, user_id: p.user }, p.agent);
        expect(agent, `${p.agent} for ${p.user}`).toMatchObject({ action_count: p.n, error_rate: p.errors / p.n });
        expect(Math.round(agent!.total_cost_usd * 1e9)).toBe(p.nanos);
      }
    };

    const file = join(dir, 'ledger.db');
    const store = await createSqliteStore({ file, writer: 'inline' });
    await store.ledger.write(written);
    await expectSums(store);
    await store.close();
    const atWrite = table(file);
    expect(atWrite.length).toBeGreaterThanOrEqual(pairs.size);

    // a single-file ledger from before the table: the schema step fills it from the entries, then they move into partitions
    const old = join(dir, 'old', 'ledger.db');
    mkdirSync(dirname(old));
    await writeSingleFileLedger(old, written, MIGRATIONS.findIndex((m) => typeof m === 'string' && m.includes('CREATE TABLE agent_user_usage')));
    const migrated = await createSqliteStore({ file: old, writer: 'inline' });
    try {
      await expectSums(migrated);
      expect(migrated.db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'entries'").pluck().get()).toBe(0);
    } finally {
      await migrated.close();
    }
    expect(table(old)).toEqual(atWrite);
  });
});
