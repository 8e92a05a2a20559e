import { writeLogMessages } from './write-log-messages.js';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PermanentStoreError, type LedgerStore } from '../../exporters/store.js';
import { inSpan } from '../../model/self-trace.js';
import type { StoreMetrics } from '../../observability/metrics.js';
import { measuredWrite } from '../../observability/store-writes.js';
import { INGEST_QUEUE, ingestJobSchema } from './ingest-job.js';

export interface IngestWorkerOptions {
  redisUrl: string;
  prefix: string;
  store: LedgerStore;
  logger: Logger;
  /** Jobs written at once; the SQLite writer groups concurrent writes into one commit. */
  concurrency: number;
  /** A worker that dies holding a job loses it after this long, and another worker takes it again. */
  lockMs: number;
  metrics?: StoreMetrics;
}

export interface IngestWorker {
  start(): Promise<void>;
  /** Finishes the jobs in hand, then stops taking new ones. */
  close(): Promise<void>;
}

/**
 * Takes envelopes from Redis and writes them to the store. A failed write is
 * retried with exponential backoff (the job's own attempts); bad payloads and
 * permanent store errors go straight to the dead-letter (failed) set, where
 * `agent-ledger dlq` lists and replays them. Writes are idempotent, so a job
 * taken twice (after a crash) still gives one entry a span.
 */
export function createIngestWorker(options: IngestWorkerOptions): IngestWorker {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const log = options.logger;
  const worker = new Worker(
    INGEST_QUEUE,
    async (job: Job) => {
      const parsed = ingestJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`malformed ingest job: ${parsed.error.issues[0]?.message}`);
      try {
        const { inserted } = await inSpan('store.write', { 'agent_ledger.entries': parsed.data.entries.length }, () => measuredWrite(options.store, parsed.data.entries, options.metrics), { root: true });
        await writeLogMessages(options.store, parsed.data.log_messages ?? [], log);
        return { inserted, entries: parsed.data.entries.length };
      } catch (err) {
        if (err instanceof PermanentStoreError) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
      autorun: false,
    },
  );
  worker.on('failed', (job, err) => {
    const final = job && (job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError);
    if (final) {
      const entries: unknown = (job.data as { entries?: unknown } | undefined)?.entries;
      options.metrics?.deadLetters.inc(Array.isArray(entries) ? entries.length : 0);
    }
    log[final ? 'error' : 'warn']({ job: job?.id, attempt: job?.attemptsMade, err: err.message }, final ? 'ingest job parked in the dead-letter set' : 'ingest job failed; will retry');
  });
  worker.on('error', (err) => log.error({ err: err.message }, 'ingest worker error'));
  return {
    async start() {
      await worker.waitUntilReady();
      void worker.run();
    },
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
