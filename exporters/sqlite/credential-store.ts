import { isoFromMicros } from '../../model/time.js';
import { DuplicateIdError, type ApiKeyRecord, type CredentialStore, type Organization, type StoredApiKey } from '../store.js';
import type { Database } from './driver.js';

interface KeyRow {
  id: string;
  prefix: string;
  hash: string;
  organization_id: string;
  user_id: string | null;
  role: string;
  scopes: string;
  name: string | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

const iso = (ms: number | null) => (ms === null ? null : isoFromMicros(ms * 1000));
const ms = (isoString: string | null) => (isoString === null ? null : Date.parse(isoString));

function keyFromRow(row: KeyRow): StoredApiKey {
  return {
    id: row.id,
    prefix: row.prefix,
    hash: row.hash,
    organization_id: row.organization_id,
    user_id: row.user_id,
    role: row.role,
    scopes: JSON.parse(row.scopes),
    name: row.name,
    created_at: iso(row.created_at)!,
    expires_at: iso(row.expires_at),
    revoked_at: iso(row.revoked_at),
  };
}

function withoutHash({ hash: _hash, ...record }: StoredApiKey): ApiKeyRecord {
  return record;
}

/**
 * Organizations and keys on their own connection: these writes are rare,
 * come from start-up and the CLI, and must not queue behind ingest batches.
 */
export class SqliteCredentialStore implements CredentialStore {
  constructor(
    private readonly read: Database,
    private readonly write: () => Database,
  ) {}

  async createOrganization(org: { id: string; name: string }): Promise<Organization> {
    const now = Date.now();
    this.write().prepare('INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)').run(org.id, org.name, now);
    return { id: org.id, name: org.name, created_at: iso(now)! };
  }

  async getOrganization(id: string): Promise<Organization | null> {
    const row = this.read.prepare('SELECT id, name, created_at FROM organizations WHERE id = ?').get(id) as
      | { id: string; name: string; created_at: number }
      | undefined;
    return row ? { ...row, created_at: iso(row.created_at)! } : null;
  }

  async listOrganizations(): Promise<Organization[]> {
    const rows = this.read.prepare('SELECT id, name, created_at FROM organizations ORDER BY id').all() as Array<{
      id: string;
      name: string;
      created_at: number;
    }>;
    return rows.map((r) => ({ ...r, created_at: iso(r.created_at)! }));
  }

  async createApiKey(key: StoredApiKey): Promise<void> {
    try {
      this.insertKey(key);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new DuplicateIdError(`api key ${key.id} exists`, { cause: err });
      throw err;
    }
  }

  private insertKey(key: StoredApiKey): void {
    this.write()
      .prepare(
        `INSERT INTO api_keys (id, prefix, hash, organization_id, user_id, role, scopes, name, created_at, expires_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        key.id, key.prefix, key.hash, key.organization_id, key.user_id, key.role, JSON.stringify(key.scopes), key.name,
        ms(key.created_at), ms(key.expires_at), ms(key.revoked_at),
      );
  }

  async findApiKeysByPrefix(prefix: string): Promise<StoredApiKey[]> {
    return (this.read.prepare('SELECT * FROM api_keys WHERE prefix = ?').all(prefix) as KeyRow[]).map(keyFromRow);
  }

  async listApiKeys(organizationId: string | null): Promise<ApiKeyRecord[]> {
    const rows = (
      organizationId === null
        ? this.read.prepare('SELECT * FROM api_keys ORDER BY organization_id, created_at, id').all()
        : this.read.prepare('SELECT * FROM api_keys WHERE organization_id = ? ORDER BY created_at, id').all(organizationId)
    ) as KeyRow[];
    return rows.map(keyFromRow).map(withoutHash);
  }

  async revokeApiKey(idOrPrefix: string): Promise<boolean> {
    const result = this.write()
      .prepare('UPDATE api_keys SET revoked_at = ? WHERE (id = ? OR prefix = ?) AND revoked_at IS NULL')
      .run(Date.now(), idOrPrefix, idOrPrefix);
    return result.changes > 0;
  }

  async countApiKeys(): Promise<number> {
    return (this.read.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n;
  }
}
