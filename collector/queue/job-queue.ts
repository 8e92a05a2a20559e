import type { EntryRecord } from '../../model/ledger-entry.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import type { QueueDepth } from '../../observability/metrics.js';

/** What the receiver hands to the queue: one request's normalised entries. */
export interface Envelope {
  organization_id: string;
  entries: EntryRecord[];
  /** GenAI events from OTLP logs, for the entries of their spans (model/log-message.ts). */
  log_messages?: LogMessageRecord[];
  /** Decoded request size, the unit of the queue's memory bound. */
  bytes: number;
}

/**
 * Between the receiver and the store. `enqueue` resolves only once the
 * envelope is durable (written to the store by the in-process queue,
 * acknowledged by Redis for BullMQ): only then may the receiver answer 200.
 */
export interface JobQueue {
  start(): Promise<void>;
  enqueue(envelope: Envelope): Promise<void>;
  /**
   * A cheap check before a request's body is read: the reason the queue would
   * refuse now (full, store or Redis away, shutting down), or null. Overload
   * then costs no decoding and no memory.
   */
  refusal(): Promise<QueueBusyError | null>;
  /** Resolves when the queue can take envelopes; rejects with the reason otherwise. */
  ping(): Promise<void>;
  /** What waits, for the metrics (a queue shared through Redis is read by a reader of its own instead). */
  depth?(): Promise<QueueDepth>;
  /** Refuses new envelopes, waits until every accepted one is written, then stops. */
  close(): Promise<void>;
}

/** Refused for now, not failed: the receiver answers 503 with Retry-After (OTLP's retryable status). */
export class QueueBusyError extends Error {
  override name = 'QueueBusyError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}
