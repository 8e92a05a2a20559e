/**
 * The README's trust formula, written out from scratch for tests (never
 * importing model/trust-score.ts): every observation weighs 2^(−age /
 * half-life) at `now` (never more than 1); good = successes; bad = errors +
 * 2 × blocked + 2 / 5 / 10 / 25 × incidents by severity; a prior of 2.5
 * good and 2.5 bad.
 */
export type Observed =
  | { kind: 'success' | 'error' | 'blocked'; at_us: number }
  | { kind: 'incident'; severity: 'info' | 'warning' | 'error' | 'critical'; at_us: number };

const DAY_US = 86_400_000_000;
const INCIDENT = { info: 2, warning: 5, error: 10, critical: 25 };

export function expectedTrustScore(observations: Observed[], nowUs: number, halfLifeDays: number): number {
  let good = 0;
  let bad = 0;
  for (const o of observations) {
    const w = 0.5 ** (Math.max(0, nowUs - o.at_us) / (halfLifeDays * DAY_US));
    if (o.kind === 'success') good += w;
    else if (o.kind === 'error') bad += w;
    else if (o.kind === 'blocked') bad += 2 * w;
    else if (o.kind === 'incident') bad += INCIDENT[o.severity] * w;
  }
  return (100 * (2.5 + good)) / (5 + good + bad);
}
