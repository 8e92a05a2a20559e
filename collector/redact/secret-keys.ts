/**
 * Redaction by key name: a value stored under a key that names a credential
 * (`db.password`, `client_secret`, `X-Api-Key`, `refreshToken`) is a secret
 * whatever it looks like. Keys and patterns are cut into lower-case words at
 * dots, underscores, dashes, other punctuation and camelCase boundaries; a key
 * matches a pattern when its words end with the pattern's words, the first of
 * them possibly glued to a prefix (`PGPASSWORD`, `clientsecret`). Trailing
 * numeric words are ignored (`gen_ai.prompt.0`). Matching the end only is what
 * keeps counts out: `gen_ai.usage.input_tokens`, `llm.token_count.prompt`,
 * `max_tokens` and `token_type` end in other words.
 */
export const DEFAULT_SECRET_KEYS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'api_key',
  'apikey',
  'access_key',
  'secret_key',
  'private_key',
  'signing_key',
  'encryption_key',
  'master_key',
  'authorization',
  'cookie',
  'cookies',
  'credential',
  'credentials',
  'jwt',
]);

/** Cache bound: keys repeat across spans, but a hostile sender could invent unbounded many. */
const CACHE_LIMIT = 10_000;
const NUMERIC = /^\d+$/;

/** `X-Api-Key` → [x, api, key]; `APIKey` → [api, key]; `gen_ai.prompt.0` → [gen, ai, prompt]. */
export function keyWords(key: string): string[] {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  while (words.length > 0 && NUMERIC.test(words[words.length - 1])) words.pop();
  return words;
}

export class SecretKeys {
  private readonly patterns: ReadonlyArray<readonly string[]>;
  private readonly cache = new Map<string, boolean>();

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map((p) => {
      const words = keyWords(p);
      if (words.length === 0 || p.trim() !== p) {
        throw new Error(`secret key ${JSON.stringify(p)} must hold letters or digits and no surrounding spaces`);
      }
      return words;
    });
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Whether the value under `key` (one key of a map, not a dotted path of several) is a secret. */
  matches(key: string): boolean {
    if (this.patterns.length === 0) return false;
    let hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const words = keyWords(key);
    hit = this.patterns.some((p) => endsWith(words, p));
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, hit);
    return hit;
  }
}

function endsWith(words: readonly string[], pattern: readonly string[]): boolean {
  const offset = words.length - pattern.length;
  if (offset < 0) return false;
  for (let i = pattern.length - 1; i > 0; i--) if (words[offset + i] !== pattern[i]) return false;
  return words[offset].endsWith(pattern[0]);
}
