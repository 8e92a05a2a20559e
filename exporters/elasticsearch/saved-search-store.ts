import type { Client } from '@elastic/elasticsearch';
import type { Actor } from '../../model/agent.js';
import { isoFromMicros, microsFromDateText } from '../../model/time.js';
import { SavedSearchLimitError, type SavedSearch, type SavedSearchPage, type SavedSearchStore } from '../saved-search-store.js';
import type { IndexNames } from './index-names.js';

interface SavedSearchDocument {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  query: string;
  filters: Record<string, string>;
  owner_type: Actor['actor_type'];
  owner_id: string | null;
  created_us: number;
}

function fromDocument(d: SavedSearchDocument): SavedSearch {
  return {
    id: d.id,
    organization_id: d.organization_id,
    name: d.name,
    description: d.description,
    query: d.query,
    filters: Object.assign(Object.create(null), d.filters) as Record<string, string>,
    owner: { actor_type: d.owner_type, actor_id: d.owner_id },
    created_at: isoFromMicros(d.created_us),
  };
}

/**
 * One document per saved search (`_id` = its id) in a fixed index. Writes
 * use `refresh: wait_for`, so a list right after a save or a delete shows
 * it. The per-organization limit is checked before and after the write:
 * a save that finds the organization over the limit once its own document
 * is searchable takes it back, so racing saves never leave more than the
 * limit (at worst both are refused).
 */
export class ElasticsearchSavedSearchStore implements SavedSearchStore {
  constructor(
    private readonly client: Client,
    private readonly names: IndexNames,
  ) {}

  private count(organizationId: string): Promise<number> {
    return this.client.count({ index: this.names.savedSearches, query: { term: { organization_id: organizationId } } }).then((r) => r.count);
  }

  async createSavedSearch(search: SavedSearch, limit: number): Promise<void> {
    const createdUs = microsFromDateText(search.created_at, 'start');
    if (typeof createdUs === 'string') throw new Error(`saved search created_at: ${createdUs}`);
    if ((await this.count(search.organization_id)) >= limit) throw new SavedSearchLimitError(limit);
    const document: SavedSearchDocument = {
      id: search.id, organization_id: search.organization_id, name: search.name, description: search.description, query: search.query,
      filters: { ...search.filters }, owner_type: search.owner.actor_type, owner_id: search.owner.actor_id, created_us: createdUs,
    };
    await this.client.create({ index: this.names.savedSearches, id: search.id, document, refresh: 'wait_for' });
    if ((await this.count(search.organization_id)) > limit) {
      await this.client.delete({ index: this.names.savedSearches, id: search.id, refresh: 'wait_for' }, { ignore: [404] });
      throw new SavedSearchLimitError(limit);
    }
  }

  async getSavedSearch(organizationId: string, id: string): Promise<SavedSearch | null> {
    const r = await this.client.get<SavedSearchDocument>({ index: this.names.savedSearches, id }, { ignore: [404] });
    // another organization's search is not there, exactly like a missing one
    return r.found && r._source && r._source.organization_id === organizationId ? fromDocument(r._source) : null;
  }

  async listSavedSearches(organizationId: string, page: number, perPage: number): Promise<SavedSearchPage> {
    const total = await this.count(organizationId);
    const from = (page - 1) * perPage;
    // past the end (and past any result window): nothing to fetch
    if (from >= total) return { data: [], total };
    const r = await this.client.search<SavedSearchDocument>({
      index: this.names.savedSearches,
      query: { term: { organization_id: organizationId } },
      sort: [{ created_us: { order: 'desc' } }, { id: { order: 'desc' } }],
      from,
      size: perPage,
      track_total_hits: false,
    });
    return { data: r.hits.hits.map((h) => fromDocument(h._source!)), total };
  }

  async deleteSavedSearch(organizationId: string, id: string): Promise<boolean> {
    const r = await this.client.get<SavedSearchDocument>({ index: this.names.savedSearches, id }, { ignore: [404] });
    if (!r.found || r._source?.organization_id !== organizationId) return false;
    // conditional on what was read: a search deleted (or replaced) in between is not reported as deleted twice
    const deleted = await this.client.delete(
      { index: this.names.savedSearches, id, if_seq_no: r._seq_no, if_primary_term: r._primary_term, refresh: 'wait_for' },
      { ignore: [404, 409] },
    );
    return deleted.result === 'deleted';
  }
}
