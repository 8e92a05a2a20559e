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
   * A cheap test (a few `includes`) that must pass before `pattern` runs: most
   * text holds no secret, and a missed hint costs far less than a regex scan.
   * Must never be false when `pattern` could match.
   */
  readonly hint: (text: string) => boolean;
  /** The candidate must not continue a word on its left (checked in code: see json-escapes.ts). */
  readonly leftBoundary?: boolean;
  /** A last check on the secret part of a candidate (checksums, randomness, placeholders). */
  readonly accept?: (secret: string) => boolean;
  /**
   * For detectors whose candidate may hold a secret somewhere inside it (a run of
   * digit groups around a card number): the [start, end) ranges, relative to the
   * candidate, to replace. Overrides `pre` / `post` / `accept`.
   */
  readonly locate?: (candidate: string) => Array<[number, number]>;
}

export const TOKEN_PREFIX = '[REDACTED:';

export function redactionToken(kind: string): string {
  return `${TOKEN_PREFIX}${kind}]`;
}

/** Hints for detectors that run on every string (custom rules carry no literal we could rely on). */
export const ALWAYS = (): boolean => true;
