import type { PseudonymFn } from './pseudonyms.js';

/**
 * One redaction pass: a running count of replacements (passed down the walk
 * instead of returning tuples from every level), and the pseudonyms of the
 * organization whose data it is (null: nothing is pseudonymised, such
 * values are removed instead).
 */
export interface Tally {
  count: number;
  /** Replacements not counted: the value's secret was counted when an earlier pass found it. */
  uncounted: number;
  pseudonym: PseudonymFn | null;
}
