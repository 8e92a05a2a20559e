import { describe, expect, it } from 'vitest';
import { LEDGER_SORT_FIELDS } from '../../exporters/store.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { dayOf, MIDNIGHT_WORD, runsAcrossDays } from './cross-partition.js';
import { matchesQ, runKey } from './expected-ledger.js';
import { straddlingPageCases } from './ledger-cases.js';
import { steps, written } from './suite.js';

/**
 * The cases across partitions cut across them only while the data does:
 * these hold the dataset to it, so a change to it cannot quietly turn them
 * into cases within one day.
 */
describe('the conformance data cuts across days (partitions)', () => {
  const rootDay = (key: string) => written.filter((e) => runKey(e) === key && e.is_root).map((e) => dayOf(e.start_us));

  it('has runs over two and three days, with the root on the earlier and on the later day', () => {
    const across = runsAcrossDays(written);
    expect(across.size).toBeGreaterThanOrEqual(5);
    expect([...across.values()].some((days) => days.size >= 3)).toBe(true);
    const rootFirst = [...across].filter(([k, days]) => rootDay(k).some((d) => d === Math.min(...days)));
    const rootLater = [...across].filter(([k, days]) => rootDay(k).some((d) => d > Math.min(...days)));
    expect(rootFirst.length).toBeGreaterThanOrEqual(2);
    expect(rootLater.length).toBeGreaterThanOrEqual(1);
    expect(new Set([...across.keys()].map((k) => JSON.parse(k)[0]))).toEqual(new Set(['org_a', 'org_b']));
  });

  it('writes spans late: to days older than the newest already written, one founding a day older than all', () => {
    const last = steps[steps.length - 1];
    const before = steps.slice(0, -1).flatMap((s) => s.batch.map((e) => dayOf(e.start_us)));
    const lateDays = last.batch.map((e) => dayOf(e.start_us));
    expect(lateDays.every((d) => d < Math.max(...before))).toBe(true);
    expect(Math.min(...lateDays)).toBeLessThan(Math.min(...before));
    // a late root turns a run across midnight from running to completed
    expect(last.batch.some((e) => e.is_root && runsAcrossDays(written).has(runKey(e)))).toBe(true);
  });

  it(`matches q ${MIDNIGHT_WORD} on five days`, () => {
    const q = parseSearchQuery(MIDNIGHT_WORD);
    expect(new Set(written.filter((e) => matchesQ(e, q)).map((e) => dayOf(e.start_us))).size).toBeGreaterThanOrEqual(5);
  });

  it('has a page across two days for every sort and order', () => {
    const captions = straddlingPageCases(written).map((c) => c.caption);
    for (const sort of LEDGER_SORT_FIELDS) {
      for (const order of ['asc', 'desc']) {
        expect(captions.filter((c) => c.includes(`across midnight, sort ${sort} ${order},`)).length, `${sort} ${order}`).toBeGreaterThan(0);
      }
    }
  });
});
