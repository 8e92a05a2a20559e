/**
 * An empty object without a prototype, for maps built from keys a sender
 * chose (attributes, kvlists, JSON). With `{}`, a key `__proto__` would set
 * the prototype instead of an entry: its contents would be hidden from
 * Object.keys (so from redaction) yet readable as inherited properties.
 */
export function newRecord<T = unknown>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}
