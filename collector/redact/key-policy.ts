/** What to do with an attribute by its key (plain constants: no enum, so any transpiler can strip types). */
export const KeyAction = { Scan: 0, Allow: 1, Deny: 2 } as const;
export type KeyAction = (typeof KeyAction)[keyof typeof KeyAction];

/** Cache bound: attribute keys repeat across spans, but a hostile sender could invent unbounded many. */
const CACHE_LIMIT = 10_000;

/**
 * deny_attributes / allow_attributes, as exact keys or globs where `*` matches
 * any run of characters (dots included: `db.*` covers `db.query.text`). Nested
 * values are matched by dotted path (`http.request.header.authorization` for
 * a kvlist under `http.request.header`). Deny wins over allow: a key listed in
 * both is hidden, the safe reading of a contradiction.
 */
export class KeyPolicy {
  /** Neither list has entries: every key is scanned, and no lookup is needed. */
  readonly trivial: boolean;
  private readonly deny: Matcher;
  private readonly allow: Matcher;
  private readonly cache = new Map<string, KeyAction>();

  constructor(deny: readonly string[], allow: readonly string[]) {
    this.deny = new Matcher(deny);
    this.allow = new Matcher(allow);
    this.trivial = deny.length === 0 && allow.length === 0;
  }

  action(key: string): KeyAction {
    if (this.trivial) return KeyAction.Scan;
    let action = this.cache.get(key);
    if (action !== undefined) return action;
    action = this.deny.matches(key) ? KeyAction.Deny : this.allow.matches(key) ? KeyAction.Allow : KeyAction.Scan;
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, action);
    return action;
  }
}

class Matcher {
  private readonly exact: ReadonlySet<string>;
  private readonly glob: RegExp | null;

  constructor(patterns: readonly string[]) {
    this.exact = new Set(patterns.filter((p) => !p.includes('*')));
    const globs = patterns.filter((p) => p.includes('*')).map(globSource);
    this.glob = globs.length ? new RegExp(`^(?:${globs.join('|')})$`) : null;
  }

  matches(key: string): boolean {
    return this.exact.has(key) || (this.glob !== null && this.glob.test(key));
  }
}

function globSource(glob: string): string {
  return glob
    .split('*')
    .map((part) => part.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'))
    .join('.*');
}
