import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The `prev_hash` of an agent's first event: 64 zeros, so every link has the same shape. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an activity event the chain covers: everything stored about it. */
export interface ChainedEventFields {
  id: string;
  organization_id: string;
  agent_id: string;
  /** 1-based position in the agent's chain. */
  sequence: number;
  event_type: string;
  severity: string;
  metadata: Record<string, unknown>;
  reported_by: string;
  created_at: string;
}

/**
 * `hash` = SHA-256 (hex) of the canonical JSON of the event's fields with the
 * previous event's hash as `prev_hash`. Changing any stored field, reordering
 * events or dropping one breaks the link at that event, and a verifier holding
 * only the stored rows can tell which.
 */
export function activityEventHash(fields: ChainedEventFields, prevHash: string): string {
  const payload = canonicalJson({ ...fields, prev_hash: prevHash });
  return createHash('sha256').update(payload, 'utf8').digest('hex');
}
