import type { AttrValue } from './ledger-entry.js';

/**
 * Reading JSON that instrumentations put in attribute strings. The
 * normaliser already bounded their size and depth on ingest, so parsing here
 * is safe; a value that does not parse (e.g. cut at the attribute cap) reads
 * as absent rather than failing the request.
 */

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON string parsed; any other value as it is; undefined when the string is not JSON. */
export function parsedJson(v: AttrValue | unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** An attribute holding a JSON array (or an array already). */
export function jsonArray(v: unknown): unknown[] | null {
  const parsed = parsedJson(v);
  return Array.isArray(parsed) ? parsed : null;
}

/** An attribute holding a JSON object (or an object already). */
export function jsonObject(v: unknown): Record<string, unknown> | null {
  const parsed = parsedJson(v);
  return isObject(parsed) ? parsed : null;
}

/** A non-empty string, or null. */
export function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** Prose stays prose; anything else is shown as its JSON text. */
export function displayText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
