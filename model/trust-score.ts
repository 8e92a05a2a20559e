import { isoFromMicros } from './time.js';

/**
 * The trust score (0–100) of an agent: a pure function of decayed counts of
 * what it did, kept incrementally at write time so reading it never scans
 * history.
 *
 *   good = successes
 *   bad  = 1 × errors + 2 × blocked + Σ severity weight × incidents
 *          (incident weights: info 2, warning 5, error 10, critical 25)
 *   score = 100 × (PRIOR_GOOD + good) / (PRIOR_GOOD + PRIOR_BAD + good + bad)
 *
 * Every observation counts 2^(−age / half-life): an observation one half-life
 * old weighs ½. The prior (2.5 good, 2.5 bad) is a neutral 50 for an agent
 * with no history and pulls an agent with little history towards 50; as old
 * evidence fades, a score drifts back towards it. Blocked actions weigh twice
 * an error: the agent tried something a policy forbids.
 *
 * State: each count is kept already decayed to `ref_us`, the newest
 * observation's time. An observation at t ≥ ref decays the state to t and adds
 * 1; one older than ref adds 2^(−(ref − t) / half-life). The result is the same
 * in any arrival order: Σ 2^(−(ref − tᵢ) / half-life) per kind.
 */

export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const PRIOR_GOOD = 2.5;
export const PRIOR_BAD = 2.5;
export const ERROR_WEIGHT = 1;
export const BLOCKED_WEIGHT = 2;
export const INCIDENT_WEIGHTS: Record<Severity, number> = { info: 2, warning: 5, error: 10, critical: 25 };

export interface TrustState {
  /** The time (µs) the counts below are decayed to; null before any observation. */
  ref_us: number | null;
  successes: number;
  errors: number;
  blocked: number;
  incidents: Record<Severity, number>;
}

export type TrustObservation =
  | { kind: 'success' | 'error' | 'blocked'; at_us: number }
  | { kind: 'incident'; severity: Severity; at_us: number };

export const EMPTY_TRUST_STATE: TrustState = Object.freeze({
  ref_us: null,
  successes: 0,
  errors: 0,
  blocked: 0,
  incidents: Object.freeze({ info: 0, warning: 0, error: 0, critical: 0 }),
}) as TrustState;

const US_PER_DAY = 86_400_000_000;

/** 2^(−Δt / half-life), never above 1 (a future timestamp does not grow evidence). */
export function decayFactor(deltaUs: number, halfLifeDays: number): number {
  return deltaUs <= 0 ? 1 : Math.pow(2, -deltaUs / (halfLifeDays * US_PER_DAY));
}

function scaled(state: TrustState, f: number): TrustState {
  const i = state.incidents;
  return {
    ref_us: state.ref_us,
    successes: state.successes * f,
    errors: state.errors * f,
    blocked: state.blocked * f,
    incidents: { info: i.info * f, warning: i.warning * f, error: i.error * f, critical: i.critical * f },
  };
}

/** The state after one more observation (a new object; the input is untouched). */
export function observe(state: TrustState, obs: TrustObservation, halfLifeDays: number): TrustState {
  let next: TrustState;
  let weight = 1;
  if (state.ref_us === null || obs.at_us >= state.ref_us) {
    next = state.ref_us === null ? scaled(state, 1) : scaled(state, decayFactor(obs.at_us - state.ref_us, halfLifeDays));
    next.ref_us = obs.at_us;
  } else {
    next = scaled(state, 1);
    weight = decayFactor(state.ref_us - obs.at_us, halfLifeDays);
  }
  if (obs.kind === 'incident') next.incidents[obs.severity] += weight;
  else if (obs.kind === 'success') next.successes += weight;
  else if (obs.kind === 'error') next.errors += weight;
  else next.blocked += weight;
  return next;
}

export function observeAll(state: TrustState, observations: Iterable<TrustObservation>, halfLifeDays: number): TrustState {
  let s = state;
  for (const o of observations) s = observe(s, o, halfLifeDays);
  return s;
}

/** What an activity event says about trust; null for event types that say nothing (startup, shutdown, …). */
export function activityObservation(eventType: string, severity: Severity, atUs: number): TrustObservation | null {
  if (eventType === 'task_completed') return { kind: 'success', at_us: atUs };
  if (eventType === 'task_failed' || eventType === 'error') return { kind: 'error', at_us: atUs };
  if (eventType === 'incident') return { kind: 'incident', severity, at_us: atUs };
  if (severity === 'critical') return { kind: 'incident', severity, at_us: atUs };
  if (severity === 'error') return { kind: 'error', at_us: atUs };
  return null;
}

export function outcomeObservation(outcome: 'success' | 'error' | 'blocked', atUs: number): TrustObservation {
  return { kind: outcome, at_us: atUs };
}

export interface TrustComponent {
  name: string;
  /** Decayed count as of `as_of`. */
  count: number;
  weight: number;
  /** `good` raises the score, `bad` lowers it. */
  effect: 'good' | 'bad';
  /** count × weight. */
  contribution: number;
}

export interface TrustBreakdown {
  score: number;
  as_of: string;
  half_life_days: number;
  prior: { good: number; bad: number };
  components: TrustComponent[];
  formula: string;
}

export const TRUST_FORMULA =
  '100 × (prior.good + Σ good) / (prior.good + prior.bad + Σ good + Σ bad), each contribution = weight × count decayed by 2^(−age / half_life_days)';

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The score and its parts as of `nowUs`. */
export function trustBreakdown(state: TrustState, nowUs: number, halfLifeDays: number): TrustBreakdown {
  const s = state.ref_us === null ? state : scaled(state, decayFactor(nowUs - state.ref_us, halfLifeDays));
  const components: TrustComponent[] = [
    { name: 'successes', count: s.successes, weight: 1, effect: 'good', contribution: s.successes },
    { name: 'errors', count: s.errors, weight: ERROR_WEIGHT, effect: 'bad', contribution: s.errors * ERROR_WEIGHT },
    { name: 'blocked', count: s.blocked, weight: BLOCKED_WEIGHT, effect: 'bad', contribution: s.blocked * BLOCKED_WEIGHT },
    ...SEVERITIES.map((sev) => ({
      name: `incidents_${sev}`,
      count: s.incidents[sev],
      weight: INCIDENT_WEIGHTS[sev],
      effect: 'bad' as const,
      contribution: s.incidents[sev] * INCIDENT_WEIGHTS[sev],
    })),
  ];
  const good = components.filter((c) => c.effect === 'good').reduce((a, c) => a + c.contribution, 0);
  const bad = components.filter((c) => c.effect === 'bad').reduce((a, c) => a + c.contribution, 0);
  const score = (100 * (PRIOR_GOOD + good)) / (PRIOR_GOOD + PRIOR_BAD + good + bad);
  return {
    score: round(score, 2),
    as_of: isoFromMicros(nowUs),
    half_life_days: halfLifeDays,
    prior: { good: PRIOR_GOOD, bad: PRIOR_BAD },
    components: components.map((c) => ({ ...c, count: round(c.count, 6), contribution: round(c.contribution, 6) })),
    formula: TRUST_FORMULA,
  };
}
