import type { RedactionRules } from './compile-rules.js';
import type { Tally } from './tally.js';
import { redactAny } from './walk-values.js';

/**
 * Redacts any JSON value (activity event metadata, request bodies) of one
 * organization without touching the caller's object: changed containers are
 * copied (without a prototype), unchanged input comes back as the same
 * reference. Object keys follow deny / allow by dotted path from the top,
 * and secret key names at any depth.
 */
export function redactValue(value: unknown, rules: RedactionRules, organizationId: string): { value: unknown; count: number } {
  if (!rules.enabled) return { value, count: 0 };
  const tally: Tally = { count: 0, uncounted: 0, pseudonym: rules.pseudonymsOf(organizationId) };
  const out = redactAny(value, null, rules, tally, false);
  return { value: out, count: tally.count };
}
