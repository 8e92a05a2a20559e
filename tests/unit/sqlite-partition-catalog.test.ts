import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CatalogApplier } from '../../exporters/sqlite/catalog-apply.js';
import { EntryWriter } from '../../exporters/sqlite/entry-writer.js';
import { partitionsDirOf } from '../../exporters/sqlite/ledger-writer.js';
import { PartitionFiles, partitionName } from '../../exporters/sqlite/partition-files.js';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { toWriteRow } from '../../exporters/sqlite/write-row.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { conformanceWrites } from '../conformance/suite.js';

/**
 * Crash consistency between a partition and the catalog
 * (exporters/sqlite/catalog-apply.ts): SQLite commits one file atomically,
 * never two, so rows a partition committed whose catalog transaction never
 * happened (a crash, a failed commit) must reach the catalog's runs and
 * agent counters exactly once: on the next write, on reopen, and before
 * retention takes them out again. The measure is a store that never failed.
 */

const NOW = Date.UTC(2025, 0, 10) * 1000;
const { written } = conformanceWrites();
/** The first part spans several days; the second too, and starts on another day than the first ends. */
const first = written.slice(0, 150);
const second = written.slice(150);

let dirs: string[] = [];
const stores: SqliteStore[] = [];

async function openStore(file?: string): Promise<{ store: SqliteStore; file: string }> {
  if (!file) {
    const dir = mkdtempSync(join(tmpdir(), 'partition-catalog-'));
    dirs.push(dir);
    file = join(dir, 'ledger.db');
  }
  const store = await createSqliteStore({ file, writer: 'inline', clock: () => NOW });
  stores.push(store);
  return { store, file };
}

/** Runs (every organization) and agents (each organization), without what differs between two stores by chance (agents' random ids). */
async function catalogState(store: SqliteStore) {
  const runs = await store.ledger.listRuns({ scope: { organization_id: null }, sort_by: 'timestamp', sort_order: 'asc', page: 0, page_size: 10_000 });
  const agents = [];
  for (const org of ['org_a', 'org_b']) {
    const page = await store.agents.listAgents({ scope: { organization_id: org }, page: 1, per_page: 100 });
    agents.push(...page.data.map(({ id: _id, asn: _asn, ...a }) => a).sort((a, b) => (a.name < b.name ? -1 : 1)));
  }
  return { runs: { ...runs, data: runs.data.map((r) => ({ ...r, tags: [...r.tags].sort() })) }, agents };
}

async function reference(entries: EntryRecord[][]) {
  const { store } = await openStore();
  for (const batch of entries) await store.ledger.write(batch);
  return catalogState(store);
}

/** The catalog's next transaction fails (a full disk, a crash): the partitions have committed. */
function failCatalogOnce() {
  return vi.spyOn(CatalogApplier.prototype, 'apply').mockImplementationOnce(() => {
    throw new Error('catalog commit failed');
  });
}

beforeEach(() => {
  dirs = [];
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('rows a partition committed and the catalog did not', () => {
  it('are applied once by the next write, even when it touches other days only', async () => {
    const { store } = await openStore();
    failCatalogOnce();
    await expect(store.ledger.write(first)).rejects.toThrow(/catalog commit failed/);
    // a next batch none of whose rows falls on the days the failed one wrote
    const firstDays = new Set(first.map((e) => partitionName(e.start_us)));
    const elsewhere = second.filter((e) => !firstDays.has(partitionName(e.start_us)));
    expect(elsewhere.length).toBeGreaterThan(0);
    await store.ledger.write(elsewhere);
    expect(await catalogState(store)).toEqual(await reference([first, elsewhere]));
    await store.ledger.write(second.filter((e) => !elsewhere.includes(e)));
    // between the two writes too: readers must not wait for a write to the failed batch's days
    expect(await catalogState(store)).toEqual(await reference([first, elsewhere, second.filter((e) => !elsewhere.includes(e))]));
  });

  it('are applied once when the failed batch is delivered again (nothing new in the partitions)', async () => {
    const expected = await reference([first, second]);
    const { store } = await openStore();
    failCatalogOnce();
    await expect(store.ledger.write(first)).rejects.toThrow(/catalog commit failed/);
    expect(await store.ledger.write(first)).toEqual({ inserted: 0 });
    await store.ledger.write(second);
    expect(await catalogState(store)).toEqual(expected);
  });

  it('are applied once on reopen, and not again on the next', async () => {
    const expected = await reference([first, second]);
    const { store, file } = await openStore();
    await store.ledger.write(first);
    failCatalogOnce();
    await expect(store.ledger.write(second)).rejects.toThrow(/catalog commit failed/);
    await store.close();
    const reopened = (await openStore(file)).store;
    expect(await catalogState(reopened)).toEqual(expected);
    await reopened.close();
    expect(await catalogState((await openStore(file)).store)).toEqual(expected);
  });

  it('are applied once on reopen when written straight into partition files (a crash between the two commits)', async () => {
    const expected = await reference([first, second]);
    const { store, file } = await openStore();
    await store.ledger.write(first);
    await store.close();
    // the partitions' half of the write of `second`, without the catalog's
    const files = new PartitionFiles(partitionsDirOf(file));
    const byDay = new Map<string, EntryRecord[]>();
    for (const e of second) byDay.set(partitionName(e.start_us), [...(byDay.get(partitionName(e.start_us)) ?? []), e]);
    for (const [name, rows] of byDay) {
      const db = files.openForWrite(name, 'FULL', 8);
      new EntryWriter(db, { fulltext: true }).write(rows.map((e) => toWriteRow(e, true)));
      db.close();
    }
    const reopened = (await openStore(file)).store;
    expect(await catalogState(reopened)).toEqual(expected);
    await reopened.close();
    expect(await catalogState((await openStore(file)).store)).toEqual(expected);
  });

  it('reach the catalog before retention takes them out of a partition (dropped whole or row by row)', async () => {
    const now = Date.UTC(2025, 11, 30) * 1000;
    const sweep = async (store: SqliteStore) => {
      await store.credentials.createOrganization({ id: 'org_a', name: 'a' });
      await store.credentials.createOrganization({ id: 'org_b', name: 'b' });
      // org_a's rows are all past retention, org_b's none: days holding both lose org_a's rows one by one, days of org_a alone go whole
      await store.agents.setOrganizationPolicy('org_a', { retention_days: 200 });
      await store.agents.setOrganizationPolicy('org_b', { retention_days: 3000 });
      await store.agents.sweepExpired({ now_us: now, batch_size: 7 });
    };
    const { store: ref } = await openStore();
    await ref.ledger.write(first);
    await ref.ledger.write(second);
    await sweep(ref);
    const expected = await catalogState(ref);
    // both kinds of retention happened, and something of org_b is left to compare
    expect(expected.runs.count).toBeGreaterThan(0);

    const { store } = await openStore();
    await store.ledger.write(first);
    failCatalogOnce();
    await expect(store.ledger.write(second)).rejects.toThrow(/catalog commit failed/);
    await sweep(store);
    expect(await catalogState(store)).toEqual(expected);
  });
});
