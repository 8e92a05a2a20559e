import type { Attributes } from './ledger-entry.js';

/**
 * A GenAI event that came as an OTLP log record, on its way to the entry of
 * its span (trace id + span id), whichever of the two is written first. The
 * store keeps it beside the entries of the day of its time and rebuilds the
 * entry's `inputs` / `outputs` from every event of the span
 * (collector/normalize/genai-events.ts), so the same record sent twice is
 * one message.
 */
export interface LogMessageRecord {
  organization_id: string;
  trace_id: string;
  span_id: string;
  /** Hex SHA-256 of the record's time, event name, fields: a re-sent record is the same row. */
  log_id: string;
  time_us: number;
  /** Position in its request: orders the records of one instant (a chat call's messages share their time). */
  idx: number;
  /** The event as a span event carries it: its name, its attributes with the body's fields. */
  event: { name: string; attributes: Attributes };
}
