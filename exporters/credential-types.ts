/** Organizations and API keys as a store keeps them (Store.credentials, store.ts). */

export interface Organization {
  id: string;
  name: string;
  created_at: string;
}

/** An API key as stored: never the key itself, only its keyed hash and visible prefix. */
export interface ApiKeyRecord {
  id: string;
  /** The key's first characters, shown to tell keys apart and used to find it. */
  prefix: string;
  organization_id: string;
  user_id: string | null;
  role: string;
  scopes: string[];
  name: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface StoredApiKey extends ApiKeyRecord {
  hash: string;
}

/** Organizations and API keys. Changes are rare and small; reads are cached by the caller. */
export interface CredentialStore {
  /** Rejects when the id exists. */
  createOrganization(org: { id: string; name: string }): Promise<Organization>;
  getOrganization(id: string): Promise<Organization | null>;
  listOrganizations(): Promise<Organization[]>;
  /** Rejects with DuplicateIdError when a key with this id exists (the bootstrap relies on it: bootstrap.ts). */
  createApiKey(key: StoredApiKey): Promise<void>;
  findApiKeysByPrefix(prefix: string): Promise<StoredApiKey[]>;
  /** null lists every organization's keys. */
  listApiKeys(organizationId: string | null): Promise<ApiKeyRecord[]>;
  /** By id or prefix; false when there is no such key (or it was already revoked). */
  revokeApiKey(idOrPrefix: string): Promise<boolean>;
  countApiKeys(): Promise<number>;
}
