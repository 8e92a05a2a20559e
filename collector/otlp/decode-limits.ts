/** Limits applied while decoding (DESIGN.md, Decisions: Limits). */
export interface DecodeLimits {
  /** Longest attribute string in UTF-8 bytes; longer values are cut and the key recorded. */
  maxAttributeValueBytes: number;
  /** Deepest nesting of array/kvlist attribute values; deeper levels are dropped and the key recorded. */
  maxNestingDepth: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxAttributeValueBytes: 64 * 1024,
  maxNestingDepth: 64,
};

/** Thrown when the envelope itself cannot be decoded: the whole request is a 400. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

/** One span that could not be taken; the rest of its request still is (OTLP partial success). */
export interface RejectedSpan {
  index: number;
  reason: string;
}
