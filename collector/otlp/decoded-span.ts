import type { Attributes } from '../../model/ledger-entry.js';

/**
 * One OTLP span after decoding, the same whether it came as protobuf or JSON.
 * Ids are lowercase hex; times stay exact nanoseconds (BigInt) until converted.
 */
export interface DecodedSpan {
  traceId: string;
  spanId: string;
  /** null when the span has no parent. */
  parentSpanId: string | null;
  /** OTLP span flags: bit 8 says whether `parentIsRemote` is known, bit 9 whether it is. */
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: DecodedEvent[];
  status: { code: number; message: string };
  /** Shared by every span of one ResourceSpans. */
  resource: Attributes;
  scope: { name: string; version: string };
  /** What was cut to a configured cap (DESIGN.md, Limits): attribute keys as stored, `name`, `status_message`, `resource.<key>`, … */
  truncated: string[];
  /** How many values redaction replaced in this span (0 until redaction runs). */
  redactions?: number;
}

export interface DecodedEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

/** OTLP status codes (trace.proto). */
export const STATUS_CODE_ERROR = 2;

const PARENT_IS_REMOTE_KNOWN = 0x100;
const PARENT_IS_REMOTE = 0x200;

/** Root of its run: no parent, or a parent that lives in another process. */
export function isRunRoot(span: Pick<DecodedSpan, 'parentSpanId' | 'flags'>): boolean {
  if (!span.parentSpanId) return true;
  return (span.flags & PARENT_IS_REMOTE_KNOWN) !== 0 && (span.flags & PARENT_IS_REMOTE) !== 0;
}
