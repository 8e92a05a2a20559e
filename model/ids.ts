import { createHash } from 'node:crypto';

/**
 * Namespace of every entry id: id = UUIDv5(namespace, "<organization_id>/<trace_id>/<span_id>").
 * Fixed forever: changing it would let a re-delivered span become a second entry.
 */
export const ENTRY_ID_NAMESPACE = '6f1b7c3e-2a4d-5e8f-9a0b-1c2d3e4f5a6b';

const NAMESPACE_BYTES = Buffer.from(ENTRY_ID_NAMESPACE.replace(/-/g, ''), 'hex');

/**
 * UUIDv5 (RFC 9562 §5.5) written out with node:crypto rather than the `uuid`
 * package, which is several times slower and was a hot spot on ingest. The
 * same bytes as uuid's v5 (tests/unit/ids.test.ts compares them).
 */
export function entryId(organizationId: string, traceId: string, spanId: string): string {
  const hash = createHash('sha1')
    .update(NAMESPACE_BYTES)
    .update(`${organizationId}/${traceId}/${spanId}`, 'utf8')
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8] & 0x3f) | 0x80; // RFC variant
  return runIdFromTraceId(hash.toString('hex', 0, 16));
}

/** A trace id (32 hex) written as a UUID: both are 16 bytes. */
export function runIdFromTraceId(traceId: string): string {
  const h = traceId.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Accepts a run id as a UUID or as 32 hex; returns the UUID form, or null when it is neither. */
export function parseRunId(value: string): string | null {
  const hex = value.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return null;
  if (value.includes('-') && !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value)) return null;
  return runIdFromTraceId(hex);
}
