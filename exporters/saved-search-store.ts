import type { Actor } from '../model/agent.js';
import { UnsupportedQueryError } from './store.js';

/**
 * Saved searches (issue 20): a named `query` expression and the ledger
 * filters it runs with, shared within the organization that saved it. The
 * store keeps text only: the expression is re-parsed, scoped and
 * pseudonymised when it runs (query-api/routes/searches-routes.ts), so a
 * grammar that grows never meets a stored parse tree.
 */
export interface SavedSearch {
  /** A UUID. */
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  /** The query language's text, as the owner wrote it. */
  query: string;
  /** Ledger filter parameters as query-string text (`agent_id`, `start_date`, ...), validated when saved. */
  filters: Record<string, string>;
  /** Who saved it: the credential's user, else the credential. */
  owner: Actor;
  /** RFC 3339, µs digits. */
  created_at: string;
}

export const MAX_SAVED_SEARCH_NAME = 200;
export const MAX_SAVED_SEARCH_DESCRIPTION = 2000;
/** Per organization: a list an investigator can still read, and a bound on what one key can pile up. */
export const MAX_SAVED_SEARCHES_PER_ORGANIZATION = 1000;

export interface SavedSearchPage {
  data: SavedSearch[];
  total: number;
}

/**
 * Saved searches as a store capability (`Store.searches`). Every call names
 * the organization: another organization's search is simply not there.
 */
export interface SavedSearchStore {
  /**
   * Stores a new search; rejects with SavedSearchLimitError when the
   * organization already holds `limit` of them (never more, even when two
   * saves race).
   */
  createSavedSearch(search: SavedSearch, limit: number): Promise<void>;
  getSavedSearch(organizationId: string, id: string): Promise<SavedSearch | null>;
  /** Newest first, then by id; `page` 1-based. */
  listSavedSearches(organizationId: string, page: number, perPage: number): Promise<SavedSearchPage>;
  /** false when there was none with this id in the organization. */
  deleteSavedSearch(organizationId: string, id: string): Promise<boolean>;
}

export class SavedSearchLimitError extends Error {
  override name = 'SavedSearchLimitError';
  constructor(readonly limit: number) {
    super(`the organization already has ${limit} saved searches, the most it may keep: delete some first`);
  }
}

export const NO_SAVED_SEARCHES = 'saved searches are not implemented by this store';

/** The store's saved searches, or the refusal every caller gives (the API's 400, as for a query the store cannot answer). */
export function savedSearchesOf(store: { searches: SavedSearchStore | null }): SavedSearchStore {
  if (store.searches) return store.searches;
  throw new UnsupportedQueryError(NO_SAVED_SEARCHES);
}
