import type { RedactionRules } from './compile-rules.js';
import type { Tally } from './tally.js';
import { redactAny } from './walk-values.js';

/**
 * Redacts any JSON value (activity event metadata, request bodies) without
 * touching the caller's object: changed containers are copied, unchanged
 * input comes back as the same reference. Object keys follow deny / allow by
 * dotted path from the top.
 */
export function redactValue(value: unknown, rules: RedactionRules): { value: unknown; count: number } {
  if (!rules.enabled) return { value, count: 0 };
  const tally: Tally = { count: 0 };
  const out = redactAny(value, null, rules, tally, false);
  return { value: out, count: tally.count };
}
