import { createHmac } from 'node:crypto';

/**
 * Keyed pseudonyms for personal data (DESIGN.md, Redaction): a value becomes
 * `[<KIND>:<16 hex>]`, e.g. `[EMAIL:3f9a0c1b2d4e5f60]`, the first 64 bits of
 * HMAC-SHA256 under a key of its organization. The same value in one
 * organization always gives the same pseudonym, so a search for the clear
 * value can be turned into a search for it; another organization's differs,
 * so pseudonyms do not link tenants; without the server secret nobody can
 * test a guess. The full-text tokenizer keeps the hex as one word.
 *
 * Keys: root = the configured secret (or the API-key pepper); a master key
 * HMAC(root, label) so the pepper is never used as is for another purpose;
 * an organization's key HMAC(master, organization id).
 */
const LABEL = 'agent-ledger/pseudonym/v1';
const HEX_LENGTH = 16;
const ORG_CACHE_LIMIT = 10_000;

/** What one pseudonym replaces: `kind` is the detector's name; `value` the text it found. */
export type PseudonymFn = (kind: string, value: string) => string;

/** Detector values compared as people mean them: an address's case carries no meaning. */
const NORMALIZE: Record<string, (value: string) => string> = {
  email: (v) => v.toLowerCase(),
};

/** Exactly the text pseudonymFor writes, so a second pass never re-pseudonymises it. */
export const PSEUDONYM_SHAPE = /^\[[A-Z0-9_.-]{1,64}:[0-9a-f]{16}\]$/;

export class PseudonymKeys {
  private readonly master: Buffer;
  private readonly orgs = new Map<string, PseudonymFn>();

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the pseudonym secret must be at least 32 characters');
    this.master = createHmac('sha256', secret).update(LABEL).digest();
  }

  /** The pseudonym function of one organization (cached: organizations are few, requests many). */
  forOrganization(organizationId: string): PseudonymFn {
    let fn = this.orgs.get(organizationId);
    if (fn !== undefined) return fn;
    const key = createHmac('sha256', this.master).update(organizationId, 'utf8').digest();
    fn = (kind, value) => pseudonymFor(key, kind, value);
    if (this.orgs.size >= ORG_CACHE_LIMIT) this.orgs.clear();
    this.orgs.set(organizationId, fn);
    return fn;
  }
}

function pseudonymFor(orgKey: Buffer, kind: string, value: string): string {
  const normalized = (NORMALIZE[kind] ?? identity)(value);
  // The kind is part of the message: one string found by two rules gives two unrelated pseudonyms.
  const digest = createHmac('sha256', orgKey).update(kind, 'utf8').update('\0').update(normalized, 'utf8').digest('hex');
  return `[${kind.toUpperCase()}:${digest.slice(0, HEX_LENGTH)}]`;
}

function identity(v: string): string {
  return v;
}
