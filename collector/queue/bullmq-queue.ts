import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { INGEST_JOB, INGEST_QUEUE, type IngestJob } from './ingest-job.js';
import { QueueBusyError, type Envelope, type JobQueue } from './job-queue.js';

export interface BullMqQueueOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /** Envelopes waiting (not yet taken by a worker) before the receiver refuses with 503. */
  maxPendingJobs: number;
  retryAfterSeconds: number;
  /** Delivery attempts before a job is parked in the dead-letter (failed) set. */
  attempts: number;
  backoffMs: number;
}

/** How long a queue-length reading is trusted: one Redis round trip per 200 ms, not per request. */
const COUNT_TTL_MS = 200;

/**
 * The receiver's side of the BullMQ queue: an envelope is acknowledged once
 * Redis has accepted the job (durable as far as Redis persistence is
 * configured: see README, Deployment). Workers are separate (bullmq-worker.ts).
 */
class BullMqQueue implements JobQueue {
  private readonly connection: Redis;
  private readonly queue: Queue;
  private pending = { count: 0, at: 0 };
  private closing = false;

  constructor(private readonly options: BullMqQueueOptions) {
    // Fail fast while Redis is away: the receiver answers 503 and the sender retries.
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.connection.on('error', (err) => options.logger.warn({ err: err.message }, 'redis connection error'));
    this.queue = new Queue(INGEST_QUEUE, { connection: this.connection, prefix: options.prefix });
  }

  async start(): Promise<void> {
    await this.queue.waitUntilReady();
  }

  private async pendingJobs(): Promise<number> {
    if (Date.now() - this.pending.at > COUNT_TTL_MS) {
      const counts = await this.queue.getJobCounts('wait', 'delayed', 'prioritized');
      this.pending = { count: (counts.wait ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0), at: Date.now() };
    }
    return this.pending.count;
  }

  async refusal(): Promise<QueueBusyError | null> {
    const { retryAfterSeconds } = this.options;
    if (this.closing) return new QueueBusyError('shutting down', retryAfterSeconds);
    try {
      if ((await this.pendingJobs()) >= this.options.maxPendingJobs) return new QueueBusyError('ingest queue is full', retryAfterSeconds);
    } catch (err) {
      return new QueueBusyError(`queue unavailable: ${(err as Error).message}`, retryAfterSeconds);
    }
    return null;
  }

  async enqueue(envelope: Envelope): Promise<void> {
    const { retryAfterSeconds } = this.options;
    if (this.closing) throw new QueueBusyError('shutting down', retryAfterSeconds);
    try {
      if ((await this.pendingJobs()) >= this.options.maxPendingJobs) {
        throw new QueueBusyError('ingest queue is full', retryAfterSeconds);
      }
      const job: IngestJob = {
        v: 1,
        organization_id: envelope.organization_id,
        entries: envelope.entries,
        ...(envelope.log_messages?.length ? { log_messages: envelope.log_messages } : {}),
      };
      await this.queue.add(INGEST_JOB, job, {
        attempts: this.options.attempts,
        backoff: { type: 'exponential', delay: this.options.backoffMs },
        removeOnComplete: true,
        removeOnFail: false,
      });
      this.pending.count++;
    } catch (err) {
      if (err instanceof QueueBusyError) throw err;
      throw new QueueBusyError(`queue unavailable: ${(err as Error).message}`, retryAfterSeconds);
    }
  }

  async ping(): Promise<void> {
    if (this.closing) throw new Error('queue is shutting down');
    await this.connection.ping();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.queue.close();
    this.connection.disconnect();
  }
}

export function createBullMqQueue(options: BullMqQueueOptions): JobQueue {
  return new BullMqQueue(options);
}
