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
