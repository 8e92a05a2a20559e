import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { MIGRATIONS } from '../../exporters/sqlite/schema.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { generateEntries } from '../conformance/dataset.js';
import { writePlan } from '../conformance/write-plan.js';

/**
 * An agent's usage per user (the user role's view of agents): kept at write
 * time, and filled from the entries by the schema step when an older ledger
 * opens; both must be exactly the sums over that user's entries.
 */
const { written } = writePlan(generateEntries());
const dir = mkdtempSync(join(tmpdir(), 'agent-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const table = (file: string) => {
  const db = openDatabase(file, { readonly: true });
  try {
    return db.prepare('SELECT * FROM agent_user_usage ORDER BY agent_id, user_id').all();
  } finally {
    db.close();
  }
};

describe('agent usage per user in SQLite', () => {
  it('is the sum over each user\'s own entries, at write time and when filled by the migration', async () => {
    const file = join(dir, 'ledger.db');
    const store = await createSqliteStore({ file, writer: 'inline' });
    await store.ledger.write(written);
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
    for (const p of pairs.values()) {
      const agent = await store.agents.findAgent({ organization_id: p.org, user_id: p.user }, p.agent);
      expect(agent, `${p.agent} for ${p.user}`).toMatchObject({ action_count: p.n, error_rate: p.errors / p.n });
      expect(Math.round(agent!.total_cost_usd * 1e9)).toBe(p.nanos);
    }
    await store.close();
    const atWrite = table(file);

    // a ledger from before the table: the schema step fills it from the entries
    const raw = openDatabase(file);
    raw.exec('DROP TABLE agent_user_usage');
    raw.pragma(`user_version = ${MIGRATIONS.length - 1}`);
    raw.close();
    await (await createSqliteStore({ file, writer: 'inline' })).close();
    expect(table(file)).toEqual(atWrite);
  });
});
