import { expect, it } from 'vitest';
import { SavedSearchLimitError, type SavedSearch, type SavedSearchStore } from '../../exporters/saved-search-store.js';

/**
 * Saved searches (exporters/saved-search-store.ts): a scenario, step by step
 * on one store. Every read names an organization: another organization's
 * search is never found, listed or deleted.
 */
function search(n: number, org: string, extra: Partial<SavedSearch> = {}): SavedSearch {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    organization_id: org,
    name: `search ${n}`,
    description: n % 2 ? `why ${n}` : null,
    query: `agent_id:bot-${n} AND inputs.to:"a b" AND cost_usd >= 0.5`,
    filters: n % 2 ? { outcome: 'error', start_date: '2024-12-01' } : {},
    owner: n % 3 ? { actor_type: 'user', actor_id: `user-${n}` } : { actor_type: 'api_key', actor_id: 'k1' },
    created_at: `2025-01-0${n}T00:00:00.12345${n}Z`,
    ...extra,
  };
}

const A = [1, 2, 3, 4].map((n) => search(n, 'ss_a'));
const B = search(5, 'ss_b', { query: 'secret-of-b' });

export function savedSearchCases(store: () => SavedSearchStore | null): void {
  const s = () => store()!;

  it('saves searches and reads each back exactly, in its own organization only', async () => {
    for (const x of [...A, B]) await s().createSavedSearch(x, 10);
    for (const x of [...A, B]) expect(await s().getSavedSearch(x.organization_id, x.id)).toEqual(x);
    expect(await s().getSavedSearch('ss_b', A[0].id)).toBeNull();
    expect(await s().getSavedSearch('ss_a', B.id)).toBeNull();
    expect(await s().getSavedSearch('ss_a', '00000000-0000-4000-8000-999999999999')).toBeNull();
  });

  it('lists an organization\'s searches newest first, paged, with the total', async () => {
    const ids = (p: { data: SavedSearch[] }) => p.data.map((x) => x.id);
    expect(await s().listSavedSearches('ss_a', 1, 3)).toEqual({ data: [A[3], A[2], A[1]], total: 4 });
    expect(ids(await s().listSavedSearches('ss_a', 2, 3))).toEqual([A[0].id]);
    expect(await s().listSavedSearches('ss_a', 3, 3)).toEqual({ data: [], total: 4 });
    expect(await s().listSavedSearches('ss_a', 1_000_000_000, 100)).toEqual({ data: [], total: 4 });
    expect(await s().listSavedSearches('ss_b', 1, 100)).toEqual({ data: [B], total: 1 });
    expect(await s().listSavedSearches('ss_none', 1, 100)).toEqual({ data: [], total: 0 });
  });

  it('refuses a save past the organization\'s limit, and only that organization\'s', async () => {
    await expect(s().createSavedSearch(search(6, 'ss_a'), 4)).rejects.toBeInstanceOf(SavedSearchLimitError);
    expect((await s().listSavedSearches('ss_a', 1, 100)).total).toBe(4);
    await s().createSavedSearch(search(6, 'ss_b'), 4);
    expect((await s().listSavedSearches('ss_b', 1, 100)).total).toBe(2);
  });

  it('deletes within the organization only, once', async () => {
    expect(await s().deleteSavedSearch('ss_b', A[0].id)).toBe(false);
    expect(await s().getSavedSearch('ss_a', A[0].id)).toEqual(A[0]);
    expect(await s().deleteSavedSearch('ss_a', A[0].id)).toBe(true);
    expect(await s().getSavedSearch('ss_a', A[0].id)).toBeNull();
    expect(await s().deleteSavedSearch('ss_a', A[0].id)).toBe(false);
    expect(await s().listSavedSearches('ss_a', 1, 100)).toEqual({ data: [A[3], A[2], A[1]], total: 3 });
    // room again under the limit
    await s().createSavedSearch(search(7, 'ss_a'), 4);
    expect((await s().listSavedSearches('ss_a', 1, 100)).total).toBe(4);
  });
}
