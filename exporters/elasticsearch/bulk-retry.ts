/**
 * Bulk item outcomes, as the OpenTelemetry Collector sorts errors
 * (consumererror: permanent vs retryable): 2xx done; 409 is "already there"
 * for creates (idempotency) but a lost race for scripted updates (retried);
 * 429 and 5xx are the cluster being busy or a shard moving (retried with
 * exponential backoff, bounded); anything else is the document itself
 * (a mapping conflict, a bad value) and retrying cannot fix it.
 */
export interface ItemOutcome {
  status: number;
  error?: { type?: string; reason?: string | null } | null;
}

export type ItemClass = 'done' | 'conflict' | 'retry' | 'permanent';

export function classifyItem(item: ItemOutcome, conflictsRetry: boolean): ItemClass {
  if (item.status >= 200 && item.status < 300) return 'done';
  if (item.status === 409) return conflictsRetry ? 'retry' : 'conflict';
  if (item.status === 429 || item.status >= 500) return 'retry';
  return 'permanent';
}

export interface RetryPolicy {
  /** Bulk attempts for items that keep failing with 429/5xx, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 5000 };

export interface BulkResult<T> {
  done: T[];
  conflicts: T[];
  permanent: Array<{ item: T; reason: string }>;
}

/** Items that stayed busy through every attempt: the caller's batch fails and is retried later as a whole. */
export class BulkRetriesExhausted extends Error {
  override name = 'BulkRetriesExhausted';
}

const describe = (o: ItemOutcome) => `${o.status} ${o.error?.type ?? ''}${o.error?.reason ? `: ${o.error.reason}` : ''}`.trim();

/**
 * Sends `items` with `send` (one bulk request, one outcome per item in order)
 * and resends only the retryable ones, waiting base × 2^n (capped) between
 * attempts.
 */
export async function bulkWithRetry<T>(
  items: readonly T[],
  send: (items: readonly T[]) => Promise<ItemOutcome[]>,
  policy: RetryPolicy,
  conflictsRetry: boolean,
): Promise<BulkResult<T>> {
  const result: BulkResult<T> = { done: [], conflicts: [], permanent: [] };
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pending = [...items];
  for (let attempt = 1; pending.length; attempt++) {
    const outcomes = await send(pending);
    const retry: T[] = [];
    let lastBusy: ItemOutcome | null = null;
    pending.forEach((item, i) => {
      const outcome = outcomes[i];
      const cls = classifyItem(outcome, conflictsRetry);
      if (cls === 'done') result.done.push(item);
      else if (cls === 'conflict') result.conflicts.push(item);
      else if (cls === 'permanent') result.permanent.push({ item, reason: describe(outcome) });
      else {
        retry.push(item);
        lastBusy = outcome;
      }
    });
    if (retry.length && attempt >= policy.attempts) {
      throw new BulkRetriesExhausted(`${retry.length} bulk item(s) still failing after ${attempt} attempts (last: ${describe(lastBusy!)})`);
    }
    if (retry.length) await sleep(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
    pending = retry;
  }
  return result;
}
