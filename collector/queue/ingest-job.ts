import { z } from 'zod';
import type { EntryRecord } from '../../model/ledger-entry.js';
import type { LogMessageRecord } from '../../model/log-message.js';

/** Queue and job names shared by receivers, workers and the dlq command (the Redis key prefix is configured). */
export const INGEST_QUEUE = 'ingest';
export const INGEST_JOB = 'envelope';

/**
 * One request's normalised entries. Versioned, and new fields must be
 * optional, so jobs already in Redis survive a rolling deploy.
 */
export const ingestJobSchema = z.object({
  v: z.literal(1),
  organization_id: z.string().min(1),
  entries: z.array(z.custom<EntryRecord>((e) => typeof e === 'object' && e !== null && typeof (e as EntryRecord).id === 'string')),
  log_messages: z
    .array(z.custom<LogMessageRecord>((m) => typeof m === 'object' && m !== null && typeof (m as LogMessageRecord).log_id === 'string'))
    .optional(),
});

export type IngestJob = z.infer<typeof ingestJobSchema>;
