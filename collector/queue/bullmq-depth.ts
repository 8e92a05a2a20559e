import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { QueueDepth } from '../../observability/metrics.js';
import { INGEST_QUEUE } from './ingest-job.js';

export interface BullMqDepthReader {
  /** Waiting and active jobs, and the age of the oldest waiting one: three Redis round trips, never a job's payload. */
  depth(): Promise<QueueDepth>;
  /** Redis answers (the readiness check of every role that uses it). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Reads the shared BullMQ queue for the metrics of whichever role runs (a
 * worker has no JobQueue of its own). Its own connection fails fast while
 * Redis is away, so a scrape or a probe never hangs on it.
 */
export function createBullMqDepthReader(options: { redisUrl: string; prefix: string; logger: Logger }): BullMqDepthReader {
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  connection.on('error', () => {
    /* reported by ping() and the readiness check; the queue and worker log connection errors already */
  });
  const queue = new Queue(INGEST_QUEUE, { connection, prefix: options.prefix });
  queue.on('error', (err) => options.logger.debug({ err: err.message }, 'queue depth reader: redis error'));
  const key = (suffix: string) => `${options.prefix}:${INGEST_QUEUE}:${suffix}`;
  return {
    async depth() {
      const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'active');
      // BullMQ pushes new jobs at the head of the wait list: the oldest is its tail
      const oldestId = await connection.lindex(key('wait'), -1);
      const timestamp = oldestId ? Number(await connection.hget(key(oldestId), 'timestamp')) : NaN;
      return {
        waitingEnvelopes: (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
        activeEnvelopes: counts.active ?? 0,
        waitingSpans: null,
        oldestAgeSeconds: oldestId === null ? 0 : Number.isFinite(timestamp) ? Math.max(0, (Date.now() - timestamp) / 1000) : null,
        pendingBytes: null,
      };
    },
    async ping() {
      await connection.ping();
    },
    async close() {
      await queue.close().catch(() => undefined);
      connection.disconnect();
    },
  };
}
