import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { INGEST_QUEUE } from './ingest-job.js';

export interface DeadLetter {
  id: string;
  organization_id: string | null;
  entries: number;
  attempts: number;
  failed_reason: string;
  failed_at: string | null;
}

/** The dead-letter set is BullMQ's failed set of the ingest queue (jobs are kept on failure). */
export async function withDeadLetters<T>(redisUrl: string, prefix: string, fn: (queue: Queue) => Promise<T>): Promise<T> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue(INGEST_QUEUE, { connection, prefix });
  try {
    return await fn(queue);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

export async function listDeadLetters(queue: Queue, limit = 1000): Promise<DeadLetter[]> {
  const jobs = await queue.getFailed(0, limit - 1);
  return jobs.map((job) => ({
    id: String(job.id),
    organization_id: typeof job.data?.organization_id === 'string' ? job.data.organization_id : null,
    entries: Array.isArray(job.data?.entries) ? job.data.entries.length : 0,
    attempts: job.attemptsMade,
    failed_reason: job.failedReason ?? '',
    failed_at: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  }));
}

/** Moves parked jobs back to the queue with fresh attempts; returns how many. */
export async function replayDeadLetters(queue: Queue, ids: string[] | 'all', progress?: (done: number, total: number) => void): Promise<number> {
  const jobs = ids === 'all' ? await queue.getFailed(0, -1) : (await Promise.all(ids.map((id) => queue.getJob(id)))).filter((j) => j);
  let replayed = 0;
  for (const [i, job] of jobs.entries()) {
    if (job && (await job.isFailed())) {
      await job.retry('failed', { resetAttemptsMade: true });
      replayed++;
    }
    progress?.(i + 1, jobs.length);
  }
  return replayed;
}
