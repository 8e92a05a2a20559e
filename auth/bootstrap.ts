import type { Logger } from 'pino';
import type { CredentialStore } from '../exporters/store.js';
import { issueApiKey } from './api-keys.js';
import { SCOPES } from './principal.js';

export interface BootstrapOptions {
  organizationId: string;
  /** AGENT_LEDGER_BOOTSTRAP_KEY: becomes the first admin key; otherwise one is generated. */
  bootstrapKey: string | null;
  /** Where a generated key is shown, once. Never the structured log. */
  announce: (text: string) => void;
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
  const { key, record } = await issueApiKey(store, pepper, {
    organization_id: options.organizationId,
    user_id: null,
    role: 'admin',
    scopes: [...SCOPES],
    name: 'bootstrap',
    expires_at: null,
    key: options.bootstrapKey ?? undefined,
  });
  logger.info({ key_id: record.id, prefix: record.prefix, organization: record.organization_id }, 'bootstrap admin key created');
  if (!options.bootstrapKey) {
    options.announce(
      `\nagent-ledger: an admin API key for organization "${options.organizationId}" was created.\n` +
        `It is shown only this once; store it now:\n\n    ${key}\n\n` +
        `Use it as "Authorization: Bearer <key>". Manage keys with "agent-ledger keys".\n\n`,
    );
  }
}
