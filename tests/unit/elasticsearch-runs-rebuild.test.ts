import { describe, expect, it } from 'vitest';
import { createElasticsearchStore, type ElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import type { RunSummary } from '../../exporters/store.js';
import { generateEntries } from '../conformance/dataset.js';
import { entryOrder } from '../conformance/expected-ledger.js';
import { expectedRuns, publicRun } from '../conformance/expected-runs.js';
import { writePlan } from '../conformance/write-plan.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * An index of runs per (organization, run) left by an earlier version is
 * rebuilt into runs per (organization, run, user) from the entries when the
 * store starts, then deleted; a start that finds it again (a crash part-way)
 * counts nothing twice. Run on the in-memory emulator, NOT a real cluster.
 */
const { written } = writePlan(generateEntries());
const byRun = (a: RunSummary, b: RunSummary) => a.id.localeCompare(b.id) || (a.user_id ?? '').localeCompare(b.user_id ?? '');
const sortedTags = (r: RunSummary) => ({ ...r, tags: [...r.tags].sort() });

async function allRuns(store: ElasticsearchStore): Promise<RunSummary[]> {
  // the rebuilt runs are searchable after a refresh, as on a cluster
  await store.refresh();
  const page = await store.ledger.listRuns({ scope: { organization_id: null }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 1000 });
  return page.data.sort(byRun).map(sortedTags);
}

describe('elasticsearch: runs of an earlier version (per organization and run)', () => {
  it('are rebuilt per user from the entries at start-up, and their index deleted', async () => {
    const emulator = new ElasticsearchEmulator();
    const open = () => createElasticsearchStore({ node: 'unused', client: fakeClient(emulator.handle).client, maxResultWindow: 25 });
    const first = await open();
    await first.ledger.write(written);
    const { client } = fakeClient(emulator.handle);
    // the earlier layout: no runs per user, one merged run document per (organization, run)
    await client.indices.delete({ index: 'agent-ledger-runs-by-user' });
    await client.indices.delete({ index: 'agent-ledger-run-applied' });
    await client.indices.create({ index: 'agent-ledger-runs' });
    const merged = new Set(written.map((e) => `${e.organization_id}/${e.run_id}`));
    for (const id of merged) await client.create({ index: 'agent-ledger-runs', id, document: { run_id: id.split('/')[1], action_count: 1 } });

    // the entries are walked oldest first (their write order is not kept): first values are the oldest entry's
    const oldestFirst = [...written].sort(entryOrder('timestamp', 'asc'));
    const expected = expectedRuns(oldestFirst).map(publicRun).sort(byRun).map(sortedTags);
    expect(expected.length).toBeGreaterThan(merged.size);
    const reopened = await open();
    expect(await allRuns(reopened)).toEqual(expected);
    expect(await client.indices.exists({ index: 'agent-ledger-runs' })).toBe(false);

    // found again (another process, or a crash before the delete): walked again, nothing counted twice
    await client.indices.create({ index: 'agent-ledger-runs' });
    expect(await allRuns(await open())).toEqual(expected);
    expect(await client.indices.exists({ index: 'agent-ledger-runs' })).toBe(false);
  });
});
