import type { EntryRecord } from '../../model/ledger-entry.js';
import type { DecodedSpan } from '../otlp/decoded-span.js';
import type { Pricing } from '../pricing/pricing.js';
import { resolveAgentIds } from './agent-id.js';
import { DEFAULT_DECODE_LIMITS } from '../otlp/decode-limits.js';
import { normalizeSpan } from './normalize-span.js';

export interface NormalizeContext {
  /** From the credential that sent the request; never read from the payload. */
  organizationId: string;
  /** The ingest credential's user; null for an organization key (spans may then assert `user.id`). */
  userId: string | null;
  pricing: Pricing;
  /** Deepest JSON nesting accepted inside attribute strings (DESIGN.md, Limits: 64). */
  maxJsonDepth: number;
  /** Cap of names and key fields (DecodeLimits.maxNameBytes); the default cap when not given. */
  maxNameBytes?: number;
}

/**
 * All spans of one OTLP request to ledger entries, in the same order. Works a
 * request at a time because `agent_id` may be inherited from an ancestor in
 * the same request (DESIGN.md, Decisions: agent_id).
 */
export function normalizeRequest(spans: DecodedSpan[], ctx: NormalizeContext): EntryRecord[] {
  const agentIds = resolveAgentIds(spans);
  return spans.map((span, i) =>
    normalizeSpan(span, {
      organizationId: ctx.organizationId,
      userId: ctx.userId,
      pricing: ctx.pricing,
      maxJsonDepth: ctx.maxJsonDepth,
      maxNameBytes: ctx.maxNameBytes ?? DEFAULT_DECODE_LIMITS.maxNameBytes,
      agentId: agentIds[i],
    }),
  );
}
