import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DuplicateIdError, type CredentialStore, type StoredApiKey } from '../exporters/store.js';
import { generateApiKey, hashApiKey, issueApiKey, keyPrefix } from './api-keys.js';
import { SCOPES } from './principal.js';

export interface BootstrapOptions {
  organizationId: string;
  /** AGENT_LEDGER_BOOTSTRAP_KEY: becomes the first admin key; otherwise one is generated. */
  bootstrapKey: string | null;
  /** Where a generated key is shown, once. Never the structured log. */
  announce: (text: string) => void;
}

/**
 * The bootstrap key's record id, the same in every process that bootstraps
 * it: processes starting together all find no key, all create one, and the
 * store's unique id lets one of them through. A configured key's id comes
 * from its keyed hash (so each configured key is created at most once, and
 * the id, which listings show, reveals nothing of the hash); a generated
 * key's is one per organization (each process generates a different key,
 * and only one of them may exist). UUID-shaped (version 8: custom).
 */
export function bootstrapKeyId(organizationId: string, keyHash: string | null): string {
  const digest = createHash('sha256').update(`agent-ledger bootstrap key\0${organizationId}\0${keyHash ?? 'generated'}`).digest();
  digest[6] = (digest[6] & 0x0f) | 0x80;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * First start: the default organization and, when no key exists yet, an
 * admin key with every scope, so a fresh install is usable and never open.
 */
export async function bootstrapCredentials(store: CredentialStore, pepper: string, options: BootstrapOptions, logger: Logger): Promise<void> {
  if (!(await store.getOrganization(options.organizationId))) {
    try {
      await store.createOrganization({ id: options.organizationId, name: options.organizationId });
      logger.info({ organization: options.organizationId }, 'organization created');
    } catch (err) {
      // processes starting together race on the create (op_type create: one wins); the losers find it there
      if (!(await store.getOrganization(options.organizationId))) throw err;
    }
  }
  if ((await store.countApiKeys()) > 0) return;
  const key = options.bootstrapKey ?? generateApiKey();
  const hash = hashApiKey(key, pepper);
  const id = bootstrapKeyId(options.organizationId, options.bootstrapKey === null ? null : hash);
  let record: StoredApiKey;
  try {
    ({ record } = await issueApiKey(store, pepper, {
      organization_id: options.organizationId,
      user_id: null,
      role: 'admin',
      scopes: [...SCOPES],
      name: 'bootstrap',
      expires_at: null,
      key,
      id,
    }));
  } catch (err) {
    if (!(err instanceof DuplicateIdError)) throw err;
    // another process bootstrapped at the same moment; or our own create went through and its answer was lost (a client retry met it)
    const ours = (await store.findApiKeysByPrefix(keyPrefix(key))).find((k) => k.id === id && k.hash === hash);
    if (!ours) {
      logger.info({ key_id: id, organization: options.organizationId }, 'bootstrap admin key already created by another process');
      return;
    }
    record = ours;
  }
  logger.info({ key_id: record.id, prefix: record.prefix, organization: record.organization_id }, 'bootstrap admin key created');
  if (!options.bootstrapKey) {
    options.announce(
      `\nagent-ledger: an admin API key for organization "${options.organizationId}" was created.\n` +
        `It is shown only this once; store it now:\n\n    ${key}\n\n` +
        `Use it as "Authorization: Bearer <key>". Manage keys with "agent-ledger keys".\n\n`,
    );
  }
}
