import { storedNames, type Deployment } from './deployment.js';
import { Load, sleep } from './load.js';

export interface Durations {
  /** Load before the fault. */
  warmMs: number;
  /** Load after the fault ends. */
  afterMs: number;
  /** Store locked, disk full, overload. */
  faultMs: number;
  redisDownMs: number;
  /** Longest wait, after the load stops, for every acknowledged span to be stored. */
  drainMs: number;
  /** Closed-loop probe of the sustainable rate (overload). */
  probeMs: number;
}

export const DEFAULT_DURATIONS: Durations = { warmMs: 5_000, afterMs: 10_000, faultMs: 60_000, redisDownMs: 10_000, drainMs: 180_000, probeMs: 5_000 };
export const QUICK_DURATIONS: Durations = { warmMs: 3_000, afterMs: 4_000, faultMs: 10_000, redisDownMs: 5_000, drainMs: 90_000, probeMs: 3_000 };

/** The steady load of every scenario: senders x requests a second x spans a request. */
export const STEADY = { senders: 4, perSecond: 5, spansPerRequest: 50 };

export interface ScenarioResult {
  name: string;
  mode: 'embedded' | 'bullmq';
  fault: string;
  skipped?: string;
  /** The scenario itself failed (a process would not start, ...): its counts are not measured. */
  error?: string;
  sent: number;
  acknowledged: number;
  /** Distinct spans found in the store. */
  stored: number;
  /** Acknowledged, not stored. */
  lost: number;
  /** Copies beyond the first of spans stored more than once. */
  duplicated: number;
  /** 429/503 answers and connection errors, per attempt. */
  refused: number;
  /** Other answers (an exporter would drop the request): none expected. */
  failed: Record<string, number>;
  /** Requests an open-loop source dropped because its bounded queue was full (never sent, never acknowledged). */
  droppedBySender: number;
  /** Seconds from the fault's end to the first acknowledgement. */
  ingestRecoveredS: number | null;
  /** Seconds from the fault's end until every span acknowledged before it was stored. */
  backlogStoredS: number | null;
  /** Seconds from the fault's end until the query API answered again (query server killed). */
  apiRecoveredS?: number | null;
  /** What GET /api/v1/ledger counts: must equal `stored`. */
  apiCount: number | null;
  peakRssMb: number;
  notes: string[];
}

export interface Fault {
  /** Runs the fault under load; resolves at its end (a performance.now() time) once whatever was stopped is started again. */
  (load: Load): Promise<number>;
}

/**
 * Steady load, `warmMs`, the fault, `afterMs` more load; then waits until
 * every acknowledged span is stored (or drainMs passes) and matches the store
 * against what was acknowledged, span by span.
 */
export async function runUnderLoad(
  d: Deployment,
  durations: Durations,
  meta: Pick<ScenarioResult, 'name' | 'mode' | 'fault'>,
  fault: Fault,
  extra: { apiRecovery?: boolean; notes?: string[]; otherStored?: number } = {},
): Promise<ScenarioResult> {
  const load = new Load(() => ({ otlpUrl: d.otlpUrl, auth: d.auth }), STEADY.spansPerRequest);
  load.steady(STEADY.senders, STEADY.perSecond);
  await sleep(durations.warmMs);
  const faultEnd = await fault(load);
  const apiRecovery = extra.apiRecovery ? untilApiAnswers(d, faultEnd, durations.drainMs) : Promise.resolve(undefined);
  const backlog = untilStored(d, load, load.ackedNames(faultEnd), durations.afterMs + durations.drainMs).then((at) => (at === null ? null : seconds(at - faultEnd)));
  await sleep(durations.afterMs);
  await load.stop(60_000);
  const all = load.ackedNames();
  await untilStored(d, load, all, durations.drainMs);
  const first = load.firstAckAfter(faultEnd);
  return {
    ...meta,
    ...(await tally(d, load, all, extra.otherStored)),
    ingestRecoveredS: first === null ? null : seconds(first - faultEnd),
    backlogStoredS: await backlog,
    ...(extra.apiRecovery ? { apiRecoveredS: await apiRecovery } : {}),
    peakRssMb: d.peakRss(),
    notes: extra.notes ?? [],
  };
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** The store matched against what was acknowledged; `otherStored`: spans of another load in the same store, left out of the API's count. */
export async function tally(d: Deployment, load: Load, acked: string[], otherStored = 0) {
  const stored = storedNames(d.dataDir, load.prefix);
  let lost = 0;
  for (const name of acked) if (!stored.has(name)) lost++;
  let duplicated = 0;
  for (const n of stored.values()) duplicated += n - 1;
  const api = await d.query('/api/v1/ledger?page_size=1').catch(() => null);
  return {
    sent: load.sentSpans,
    acknowledged: acked.length,
    stored: stored.size,
    lost,
    duplicated,
    refused: load.refused,
    failed: Object.fromEntries(load.failures),
    droppedBySender: load.droppedBySender,
    apiCount: api?.status === 200 ? (api.body.count as number) - otherStored : null,
  };
}

/** When (performance.now()) every one of `names` was in the store, polled every 500 ms; null after `timeoutMs`. */
export async function untilStored(d: Deployment, load: Load, names: string[], timeoutMs: number): Promise<number | null> {
  const missing = new Set(names);
  const until = performance.now() + timeoutMs;
  for (;;) {
    if (missing.size > 0) {
      try {
        const stored = storedNames(d.dataDir, load.prefix);
        for (const name of missing) if (stored.has(name)) missing.delete(name);
      } catch {
        /* a day file being created: read again */
      }
    }
    if (missing.size === 0) return performance.now();
    if (performance.now() > until) return null;
    await sleep(500);
  }
}

async function untilApiAnswers(d: Deployment, from: number, timeoutMs: number): Promise<number | null> {
  while (performance.now() - from < timeoutMs) {
    const res = await d.query('/api/v1/ledger?page_size=1').catch(() => null);
    if (res?.status === 200) return seconds(performance.now() - from);
    await sleep(100);
  }
  return null;
}
