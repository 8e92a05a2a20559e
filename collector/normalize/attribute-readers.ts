import type { Attributes } from '../../model/ledger-entry.js';

/**
 * Typed reads of decoded attributes. Instrumentations disagree on encodings
 * (an int may arrive as a double or a decimal string), so readers accept the
 * harmless variants and answer null for anything else rather than guessing.
 */

/** A non-empty string; null otherwise. */
export function str(attrs: Attributes, key: string): string | null {
  const v = attrs[key];
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** A finite number, from a number or a numeric string. */
export function num(attrs: Attributes, key: string): number | null {
  return toNumber(attrs[key]);
}

export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** A duration or amount that cannot be negative: the number, or null. */
export function nonNegative(n: number | null): number | null {
  return n !== null && n >= 0 ? n : null;
}

/** A token count: a non-negative integer, or null. */
export function count(attrs: Attributes, key: string): number | null {
  return toCount(attrs[key]);
}

export function toCount(v: unknown): number | null {
  const n = toNumber(v);
  return n !== null && n >= 0 ? Math.round(n) : null;
}

/** A string array attribute; a lone string counts as a one-item list. */
export function strList(attrs: Attributes, key: string): string[] | null {
  return toStringList(attrs[key]);
}

export function toStringList(v: unknown): string[] | null {
  if (typeof v === 'string') return v.length > 0 ? [v] : null;
  if (!Array.isArray(v)) return null;
  const out = v.filter((x): x is string => typeof x === 'string' && x.length > 0);
  return out.length > 0 ? out : null;
}

/** The first value that is neither null nor undefined. */
export function firstOf<T>(...values: Array<T | null | undefined>): T | undefined {
  for (const v of values) if (v !== null && v !== undefined) return v;
  return undefined;
}
