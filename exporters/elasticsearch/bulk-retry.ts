import { errors, type estypes } from '@elastic/elasticsearch';

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

/** A `_bulk` answer's items as outcomes, in order; deleting what is already gone (404) is done. */
export function bulkOutcomes(response: estypes.BulkResponse): ItemOutcome[] {
  return response.items.map((item) => {
    const op = (item.create ?? item.update ?? item.index ?? item.delete)!;
    return { status: item.delete && op.status === 404 ? 200 : op.status, error: op.error ?? null };
  });
}

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

/**
 * How much one `_bulk` carries. Elastic's guidance is 5–15 MB a request;
 * past `http.max_content_length` (100 MB by default) the cluster answers 413.
 */
export interface BulkLimits {
  maxBytes: number;
  maxActions: number;
}

export const DEFAULT_BULK_LIMITS: BulkLimits = { maxBytes: 10 * 1024 * 1024, maxActions: 5000 };

export interface BulkResult<T> {
  done: T[];
  conflicts: T[];
  permanent: Array<{ item: T; reason: string }>;
}

/** Items that stayed busy through every attempt: the caller's batch fails and is retried later as a whole. */
export class BulkRetriesExhausted extends Error {
  override name = 'BulkRetriesExhausted';
}

/** One item's NDJSON lines, serialised once: measured here, sent as is (the client passes strings through). */
export interface BulkItem<T> {
  item: T;
  lines: string[];
  bytes: number;
}

export function bulkItem<T>(item: T, lines: readonly unknown[]): BulkItem<T> {
  const text = lines.map((l) => JSON.stringify(l));
  return { item, lines: text, bytes: text.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) };
}

const describe = (o: ItemOutcome) => `${o.status} ${o.error?.type ?? ''}${o.error?.reason ? `: ${o.error.reason}` : ''}`.trim();

/** Requests no larger than the limits, in order; an item larger than maxBytes alone goes in a request of its own. */
export function chunkBulk<T>(items: readonly BulkItem<T>[], limits: BulkLimits): BulkItem<T>[][] {
  const chunks: BulkItem<T>[][] = [];
  let current: BulkItem<T>[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length && (bytes + item.bytes > limits.maxBytes || current.length >= limits.maxActions)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * What a failed whole request means: 413 (the body is over the cluster's
 * http.max_content_length) is cured by sending less; 429, 5xx, a timeout or
 * a lost connection by waiting (writes are idempotent, so resending a bulk
 * that was partly applied is harmless); anything else (401, 403, 400) is
 * not the data's fault and not curable by retrying here: it is thrown.
 */
function requestFailure(err: unknown): { kind: 'too-large' | 'busy'; outcome: ItemOutcome } | null {
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    const type = (err.body as { error?: { type?: string } } | undefined)?.error?.type;
    const outcome = { status, error: { type: type ?? 'request_failed', reason: `whole bulk request answered ${status}` } };
    if (status === 413) return { kind: 'too-large', outcome };
    if (status === 429 || status >= 500) return { kind: 'busy', outcome };
    return null;
  }
  if (err instanceof errors.TimeoutError || err instanceof errors.ConnectionError) {
    return { kind: 'busy', outcome: { status: 503, error: { type: err.name, reason: err.message } } };
  }
  return null;
}

/**
 * Sends `items` in bounded requests (`send`: one bulk request, one outcome
 * per item in order) and resends only the retryable ones, waiting
 * base × 2^n (capped) between attempts. A whole request refused as busy
 * (429/5xx/timeout) makes all its items retryable; one refused as too large
 * (413) is split in two and resent at once, down to a single item, which is
 * then refused for good.
 */
export async function bulkWithRetry<T>(
  items: readonly BulkItem<T>[],
  send: (lines: string[]) => Promise<ItemOutcome[]>,
  policy: RetryPolicy,
  conflictsRetry: boolean,
  limits: BulkLimits = DEFAULT_BULK_LIMITS,
): Promise<BulkResult<T>> {
  const result: BulkResult<T> = { done: [], conflicts: [], permanent: [] };
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let pending = [...items];
  for (let attempt = 1; pending.length; attempt++) {
    const retry: BulkItem<T>[] = [];
    let lastBusy: ItemOutcome | null = null;
    const queue = chunkBulk(pending, limits);
    while (queue.length) {
      const chunk = queue.shift()!;
      let outcomes: ItemOutcome[];
      try {
        outcomes = await send(chunk.flatMap((i) => i.lines));
      } catch (err) {
        const failure = requestFailure(err);
        if (!failure) throw err;
        if (failure.kind === 'too-large' && chunk.length > 1) {
          const half = Math.ceil(chunk.length / 2);
          queue.unshift(chunk.slice(0, half), chunk.slice(half));
          continue;
        }
        outcomes = chunk.map(() => (failure.kind === 'too-large' ? { ...failure.outcome, error: { type: 'request_entity_too_large', reason: `one item of ${chunk[0].bytes} bytes is over the cluster's http.max_content_length` } } : failure.outcome));
      }
      chunk.forEach((entry, i) => {
        const outcome = outcomes[i];
        const cls = classifyItem(outcome, conflictsRetry);
        if (cls === 'done') result.done.push(entry.item);
        else if (cls === 'conflict') result.conflicts.push(entry.item);
        else if (cls === 'permanent') result.permanent.push({ item: entry.item, reason: describe(outcome) });
        else {
          retry.push(entry);
          lastBusy = outcome;
        }
      });
    }
    if (retry.length && attempt >= policy.attempts) {
      throw new BulkRetriesExhausted(`${retry.length} bulk item(s) still failing after ${attempt} attempts (last: ${describe(lastBusy!)})`);
    }
    if (retry.length) await sleep(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
    pending = retry;
  }
  return result;
}
