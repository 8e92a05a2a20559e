import { createHmac } from 'node:crypto';
import { compileRedactionRules, DEFAULT_REDACTION_CONFIG, type RedactionConfig } from '../../collector/redact/index.js';

/** A test deployment's pepper: pseudonyms need a secret. */
export const TEST_PSEUDONYM_SECRET = 'test-pepper-0123456789abcdef0123456789abcdef';
export const TEST_ORG = 'org-test';

/** The default rules, changed by `config`, as a server with TEST_PSEUDONYM_SECRET as its pepper compiles them. */
export function testRules(config: Partial<RedactionConfig> = {}) {
  return compileRedactionRules({ ...DEFAULT_REDACTION_CONFIG, ...config }, { defaultPseudonymSecret: TEST_PSEUDONYM_SECRET });
}

/**
 * The pseudonym README documents, computed here from its definition (not by
 * the code under test): HMAC-SHA256(HMAC-SHA256(HMAC-SHA256(secret, label), org), kind NUL value), 16 hex.
 */
export function expectedPseudonym(value: string, org = TEST_ORG, kind = 'email', secret = TEST_PSEUDONYM_SECRET): string {
  const master = createHmac('sha256', secret).update('agent-ledger/pseudonym/v1').digest();
  const orgKey = createHmac('sha256', master).update(org).digest();
  const normalized = kind === 'email' ? value.toLowerCase() : value;
  const hex = createHmac('sha256', orgKey).update(`${kind}\0${normalized}`).digest('hex').slice(0, 16);
  return `[${kind.toUpperCase()}:${hex}]`;
}
