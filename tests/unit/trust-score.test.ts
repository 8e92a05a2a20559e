import { describe, expect, it } from 'vitest';
import { activityObservation, EMPTY_TRUST_STATE, observeAll, trustBreakdown, type TrustObservation } from '../../model/trust-score.js';
import { expectedTrustScore } from '../helpers/trust-formula.js';
import { seededRandom } from '../../bench/seeded-random.js';

const DAY_US = 86_400_000_000;
const NOW = Date.parse('2026-06-01T00:00:00Z') * 1000;

const formula = (observations: TrustObservation[], now: number, halfLifeDays: number) => expectedTrustScore(observations, now, halfLifeDays);

const score = (obs: TrustObservation[], now = NOW, halfLife = 30) => trustBreakdown(observeAll(EMPTY_TRUST_STATE, obs, halfLife), now, halfLife).score;

function randomHistory(seed: number, n: number): TrustObservation[] {
  const rnd = seededRandom(seed);
  const kinds = ['success', 'success', 'success', 'error', 'blocked', 'incident'] as const;
  const severities = ['info', 'warning', 'error', 'critical'] as const;
  return Array.from({ length: n }, () => {
    const kind = kinds[Math.floor(rnd() * kinds.length)];
    const at_us = NOW - Math.floor(rnd() * 120 * DAY_US);
    return kind === 'incident' ? { kind, severity: severities[Math.floor(rnd() * 4)], at_us } : { kind, at_us };
  });
}

describe('trust score', () => {
  it('is a neutral 50 without history', () => {
    expect(score([])).toBe(50);
  });

  it('equals the formula computed independently, whatever order observations arrive in', () => {
    for (const seed of [1, 2, 3]) {
      const history = randomHistory(seed, 300);
      const expected = formula(history, NOW, 30);
      expect(score(history)).toBeCloseTo(expected, 1);
      expect(score([...history].reverse())).toBeCloseTo(expected, 1);
      expect(score([...history].sort((a, b) => a.at_us - b.at_us))).toBeCloseTo(expected, 1);
      // another half-life, another moment
      expect(score(history, NOW + 10 * DAY_US, 7)).toBeCloseTo(formula(history, NOW + 10 * DAY_US, 7), 1);
    }
  });

  it('falls after incidents, more for graver ones, and recovers with successes', () => {
    const t = (d: number) => NOW - d * DAY_US;
    const base: TrustObservation[] = Array.from({ length: 40 }, (_, i) => ({ kind: 'success', at_us: t(10 + i * 0.1) }));
    const before = score(base);
    const warning = score([...base, { kind: 'incident', severity: 'warning', at_us: t(1) }]);
    const critical = score([...base, { kind: 'incident', severity: 'critical', at_us: t(1) }]);
    expect(warning).toBeLessThan(before);
    expect(critical).toBeLessThan(warning);
    const afterIncident: TrustObservation[] = [...base, { kind: 'incident', severity: 'critical', at_us: t(1) }];
    const recovered = score([...afterIncident, ...Array.from({ length: 60 }, (_, i) => ({ kind: 'success' as const, at_us: t(0.5 - i * 0.001) }))]);
    expect(recovered).toBeGreaterThan(critical);
  });

  it('weighs errors and blocked actions against successes', () => {
    const at_us = NOW;
    expect(score([{ kind: 'error', at_us }])).toBeCloseTo(formula([{ kind: 'error', at_us }], NOW, 30), 2);
    expect(score([{ kind: 'blocked', at_us }])).toBeLessThan(score([{ kind: 'error', at_us }]));
    expect(score([{ kind: 'success', at_us }])).toBeGreaterThan(50);
  });

  it('lets old evidence fade back towards 50', () => {
    const incident: TrustObservation[] = [{ kind: 'incident', severity: 'critical', at_us: NOW }];
    const fresh = score(incident, NOW);
    const monthLater = score(incident, NOW + 30 * DAY_US);
    const yearLater = score(incident, NOW + 365 * DAY_US);
    expect(fresh).toBeLessThan(monthLater);
    expect(monthLater).toBeLessThan(yearLater);
    expect(yearLater).toBeCloseTo(50, 0);
  });

  it('shows each component with its weight, and a future timestamp never counts more than 1', () => {
    const b = trustBreakdown(observeAll(EMPTY_TRUST_STATE, [{ kind: 'blocked', at_us: NOW + DAY_US }], 30), NOW, 30);
    expect(b.components.find((c) => c.name === 'blocked')).toEqual({ name: 'blocked', count: 1, weight: 2, effect: 'bad', contribution: 2 });
    expect(b.components.map((c) => c.name)).toEqual(['successes', 'errors', 'blocked', 'incidents_info', 'incidents_warning', 'incidents_error', 'incidents_critical']);
    expect(b.prior).toEqual({ good: 2.5, bad: 2.5 });
  });

  it('reads activity events: completions succeed, failures and errors fail, incidents by severity, other types only when grave', () => {
    expect(activityObservation('task_completed', 'info', 1)).toEqual({ kind: 'success', at_us: 1 });
    expect(activityObservation('task_failed', 'warning', 1)).toEqual({ kind: 'error', at_us: 1 });
    expect(activityObservation('error', 'error', 1)).toEqual({ kind: 'error', at_us: 1 });
    expect(activityObservation('incident', 'warning', 1)).toEqual({ kind: 'incident', severity: 'warning', at_us: 1 });
    expect(activityObservation('startup', 'info', 1)).toBeNull();
    expect(activityObservation('shutdown', 'warning', 1)).toBeNull();
    expect(activityObservation('custom', 'error', 1)).toEqual({ kind: 'error', at_us: 1 });
    expect(activityObservation('custom', 'critical', 1)).toEqual({ kind: 'incident', severity: 'critical', at_us: 1 });
  });
});
