import type { Client, estypes } from '@elastic/elasticsearch';
import { isoFromMicros } from '../../model/time.js';
import { DuplicateIdError, type ApiKeyRecord, type CredentialStore, type Organization, type StoredApiKey } from '../store.js';
import type { IndexNames } from './index-names.js';
import { collectAll } from './search-paging.js';

/**
 * Organizations and API keys, one document each (`_id` = their id). Writes
 * are rare and use `refresh: wait_for`, so a key works (is found by its
 * prefix) as soon as it is created; revocation is a conditional update
 * (`if_seq_no`/`if_primary_term`) so two revokers cannot both succeed.
 * Times are kept as epoch milliseconds, as the SQLite store keeps them.
 */
interface KeyDocument {
  id: string;
  prefix: string;
  hash: string;
  organization_id: string;
  user_id: string | null;
  role: string;
  scopes: string[];
  name: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : isoFromMicros(ms * 1000));
const ms = (isoString: string | null) => (isoString === null ? null : Date.parse(isoString));

function keyFromDocument(d: KeyDocument): StoredApiKey {
  return {
    id: d.id, prefix: d.prefix, hash: d.hash, organization_id: d.organization_id, user_id: d.user_id, role: d.role, scopes: d.scopes,
    name: d.name, created_at: iso(d.created_at)!, expires_at: iso(d.expires_at), revoked_at: iso(d.revoked_at),
  };
}

function withoutHash({ hash: _hash, ...record }: StoredApiKey): ApiKeyRecord {
  return record;
}

const isConflict = (err: unknown) => (err as { statusCode?: number }).statusCode === 409;

export class ElasticsearchCredentialStore implements CredentialStore {
  constructor(
    private readonly client: Client,
    private readonly names: IndexNames,
  ) {}

  async createOrganization(org: { id: string; name: string }): Promise<Organization> {
    const now = Date.now();
    try {
      await this.client.create({ index: this.names.organizations, id: org.id, document: { id: org.id, name: org.name, created_at: now }, refresh: 'wait_for' });
    } catch (err) {
      if (isConflict(err)) throw new Error(`organization ${org.id} exists`);
      throw err;
    }
    return { id: org.id, name: org.name, created_at: iso(now)! };
  }

  async getOrganization(id: string): Promise<Organization | null> {
    const r = await this.client.get<{ id: string; name: string; created_at: number }>({ index: this.names.organizations, id }, { ignore: [404] });
    return r.found && r._source ? { ...r._source, created_at: iso(r._source.created_at)! } : null;
  }

  async listOrganizations(): Promise<Organization[]> {
    const docs = await collectAll<{ id: string; name: string; created_at: number }>(
      this.client,
      { index: this.names.organizations, query: { match_all: {} }, sort: [{ id: { order: 'asc' } }] },
      1000,
    );
    return docs.map((d) => ({ id: d.id, name: d.name, created_at: iso(d.created_at)! }));
  }

  async createApiKey(key: StoredApiKey): Promise<void> {
    const document: KeyDocument = {
      ...key, created_at: ms(key.created_at)!, expires_at: ms(key.expires_at), revoked_at: ms(key.revoked_at),
    };
    try {
      await this.client.create({ index: this.names.apiKeys, id: key.id, document, refresh: 'wait_for' });
    } catch (err) {
      if (isConflict(err)) throw new DuplicateIdError(`api key ${key.id} exists`, { cause: err });
      throw err;
    }
  }

  async findApiKeysByPrefix(prefix: string): Promise<StoredApiKey[]> {
    const docs = await collectAll<KeyDocument>(
      this.client,
      { index: this.names.apiKeys, query: { term: { prefix } }, sort: [{ id: { order: 'asc' } }] },
      100,
    );
    return docs.map(keyFromDocument);
  }

  async listApiKeys(organizationId: string | null): Promise<ApiKeyRecord[]> {
    const sort: estypes.SortCombinations[] = [{ created_at: { order: 'asc' } }, { id: { order: 'asc' } }];
    const docs = await collectAll<KeyDocument>(
      this.client,
      organizationId === null
        ? { index: this.names.apiKeys, query: { match_all: {} }, sort: [{ organization_id: { order: 'asc' } }, ...sort] }
        : { index: this.names.apiKeys, query: { term: { organization_id: organizationId } }, sort },
      1000,
    );
    return docs.map(keyFromDocument).map(withoutHash);
  }

  async revokeApiKey(idOrPrefix: string): Promise<boolean> {
    const query: estypes.QueryDslQueryContainer = {
      bool: {
        should: [{ term: { id: idOrPrefix } }, { term: { prefix: idOrPrefix } }],
        minimum_should_match: 1,
        must_not: [{ exists: { field: 'revoked_at' } }],
      },
    };
    const r = await this.client.search({ index: this.names.apiKeys, query, size: 1000, seq_no_primary_term: true, _source: false });
    let revoked = false;
    const now = Date.now();
    for (const hit of r.hits.hits) {
      try {
        await this.client.update({
          index: this.names.apiKeys, id: hit._id!, doc: { revoked_at: now }, if_seq_no: hit._seq_no!, if_primary_term: hit._primary_term!, refresh: 'wait_for',
        });
        revoked = true;
      } catch (err) {
        // revoked (or changed) by someone else in between: not ours to report
        if (!isConflict(err)) throw err;
      }
    }
    return revoked;
  }

  async countApiKeys(): Promise<number> {
    return (await this.client.count({ index: this.names.apiKeys })).count;
  }
}
