import type { Actor } from '../../model/agent.js';
import { isoFromMicros, microsFromDateText } from '../../model/time.js';
import { SavedSearchLimitError, type SavedSearch, type SavedSearchPage, type SavedSearchStore } from '../saved-search-store.js';
import type { Database } from './driver.js';

interface Row {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  query: string;
  filters: string;
  owner_type: Actor['actor_type'];
  owner_id: string | null;
  created_us: number;
}

function fromRow(r: Row): SavedSearch {
  return {
    id: r.id,
    organization_id: r.organization_id,
    name: r.name,
    description: r.description,
    query: r.query,
    filters: Object.assign(Object.create(null), JSON.parse(r.filters)) as Record<string, string>,
    owner: { actor_type: r.owner_type, actor_id: r.owner_id },
    created_at: isoFromMicros(r.created_us),
  };
}

/** Saved searches in the catalog, written on the catalog's write connection like keys and agents. */
export class SqliteSavedSearchStore implements SavedSearchStore {
  constructor(
    private readonly read: Database,
    private readonly write: () => Database,
  ) {}

  async createSavedSearch(search: SavedSearch, limit: number): Promise<void> {
    const db = this.write();
    const createdUs = microsFromDateText(search.created_at, 'start');
    if (typeof createdUs === 'string') throw new Error(`saved search created_at: ${createdUs}`);
    // count and insert under one write lock: two saves at the limit cannot both pass
    db.transaction(() => {
      const n = db.prepare('SELECT count(*) FROM saved_searches WHERE organization_id = ?').pluck().get(search.organization_id) as number;
      if (n >= limit) throw new SavedSearchLimitError(limit);
      db.prepare(
        `INSERT INTO saved_searches (id, organization_id, name, description, query, filters, owner_type, owner_id, created_us)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        search.id, search.organization_id, search.name, search.description, search.query, JSON.stringify(search.filters),
        search.owner.actor_type, search.owner.actor_id, createdUs,
      );
    }).immediate();
  }

  async getSavedSearch(organizationId: string, id: string): Promise<SavedSearch | null> {
    const row = this.read.prepare('SELECT * FROM saved_searches WHERE organization_id = ? AND id = ?').get(organizationId, id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  async listSavedSearches(organizationId: string, page: number, perPage: number): Promise<SavedSearchPage> {
    const total = this.read.prepare('SELECT count(*) FROM saved_searches WHERE organization_id = ?').pluck().get(organizationId) as number;
    const rows = this.read
      .prepare('SELECT * FROM saved_searches WHERE organization_id = ? ORDER BY created_us DESC, id DESC LIMIT ? OFFSET ?')
      .all(organizationId, perPage, (page - 1) * perPage) as Row[];
    return { data: rows.map(fromRow), total };
  }

  async deleteSavedSearch(organizationId: string, id: string): Promise<boolean> {
    return this.write().prepare('DELETE FROM saved_searches WHERE organization_id = ? AND id = ?').run(organizationId, id).changes > 0;
  }
}
