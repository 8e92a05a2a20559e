/**
 * One way of finding a secret in text. Detectors are data, not classes, so the
 * built-in table and compiled custom rules look the same to the scanner.
 */
export interface Detector {
  /** The `<kind>` in `[REDACTED:<kind>]`: a built-in name or a custom rule's name. */
  readonly name: string;
  /** `[REDACTED:<name>]`, built once. */
  readonly token: string;
  /** Global regex of candidates. Named groups `pre` / `post`, when present, are context that stays. */
  readonly pattern: RegExp;
  /**
   * Case-insensitive regex fragments (no capturing groups), one of which occurs
   * in any text the pattern can match. All detectors' triggers are combined
   * into one prefilter scan (prefilter.ts), so clean text, which is most text,
   * costs one regex pass however many detectors there are. null: no trigger is
   * known (custom rules), the pattern runs on every string.
   */
  readonly triggers: readonly string[] | null;
  /** The candidate must not continue a word on its left (checked in code: see json-escapes.ts). */
  readonly leftBoundary?: boolean;
  /** A last check on the secret part of a candidate (checksums, randomness, placeholders). */
  readonly accept?: (secret: string) => boolean;
  /**
   * For detectors whose candidate may hold secrets somewhere inside it (a run of
   * digit groups around a card number): the [start, end) ranges, relative to the
   * candidate found at `index` of `text`, to replace. Overrides `pre` / `post` / `accept`.
   */
  readonly locate?: (text: string, index: number, candidate: string) => Array<[number, number]>;
}

export const TOKEN_PREFIX = '[REDACTED:';

export function redactionToken(kind: string): string {
  return `${TOKEN_PREFIX}${kind}]`;
}

/**
 * What redaction writes: `[REDACTED:<kind>]`, or a pseudonym `[<KIND>:<16 hex>]`
 * (pseudonyms.ts). Kinds are at most 64 characters, so a token is at most 76.
 */
const TOKEN_SOURCE = String.raw`\[(?:REDACTED:[A-Za-z0-9_.-]{1,64}|[A-Z0-9_.-]{1,64}:[0-9a-f]{16})\]`;
const TOKEN_AT = new RegExp(TOKEN_SOURCE, 'y');
const WHOLE_TOKEN = new RegExp(`^${TOKEN_SOURCE}$`);
const ANY_TOKEN = new RegExp(TOKEN_SOURCE);
const MAX_TOKEN_LENGTH = 1 + 64 + 1 + 16 + 1;

/** The string is one token and nothing else. */
export function isToken(s: string): boolean {
  return s.length <= MAX_TOKEN_LENGTH && WHOLE_TOKEN.test(s);
}

/** Some of the string was already replaced. */
export function containsToken(s: string): boolean {
  return s.includes('[') && ANY_TOKEN.test(s);
}

/** The end of the token that starts at `i`; -1 when none does. */
function tokenEndAt(s: string, i: number): number {
  TOKEN_AT.lastIndex = i;
  return TOKEN_AT.test(s) ? TOKEN_AT.lastIndex : -1;
}

/** Whether [start, end) touches a token already written, so we never redact our own output. */
export function overlapsToken(s: string, start: number, end: number): boolean {
  // Tokens hold no `[`: the last one starting before `end` is the only one that can reach `start`.
  const stop = Math.max(0, start - MAX_TOKEN_LENGTH);
  for (let p = s.lastIndexOf('[', end - 1); p >= stop; p = p > 0 ? s.lastIndexOf('[', p - 1) : -1) {
    const tokenEnd = tokenEndAt(s, p);
    if (tokenEnd >= 0) return tokenEnd > start;
  }
  return false;
}
