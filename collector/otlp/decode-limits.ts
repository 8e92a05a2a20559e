/** Limits applied while decoding (DESIGN.md, Decisions: Limits and Time window). */
export interface DecodeLimits {
  /** Longest attribute string and span status message in UTF-8 bytes; longer values are cut and the field recorded. */
  maxAttributeValueBytes: number;
  /** Deepest nesting of array/kvlist attribute values; deeper levels are dropped and the key recorded. */
  maxNestingDepth: number;
  /**
   * Longest name in UTF-8 bytes: span, event and scope names, attribute keys,
   * and the entry fields that become filter and rollup keys (agent_id, model,
   * service_name, user_id, a tool's name, tags). Longer ones are cut and recorded.
   */
  maxNameBytes: number;
  /** A span that started or ended more than this many days ago is rejected. */
  maxSpanAgeDays: number;
  /** A span that starts or ends more than this many seconds from now is rejected (sender clock skew). */
  maxFutureSkewSeconds: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxAttributeValueBytes: 64 * 1024,
  maxNestingDepth: 64,
  maxNameBytes: 1024,
  maxSpanAgeDays: 3650,
  maxFutureSkewSeconds: 3600,
};

/** Thrown when the envelope itself cannot be decoded: the whole request is a 400. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** One span that could not be taken; the rest of its request still is (OTLP partial success). */
export interface RejectedSpan {
  index: number;
  reason: string;
  /** A low-cardinality class of `reason` (the metrics' label). */
  kind: RejectionKind;
}

export type RejectionKind = 'invalid_span' | 'invalid_resource' | 'out_of_window';
