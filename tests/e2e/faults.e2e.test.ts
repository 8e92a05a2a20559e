import { describe, expect, it } from 'vitest';
import { findRedisServer } from '../../faults/redis.js';
import { runFaults } from '../../faults/run.js';
import type { ScenarioResult } from '../../faults/measure.js';

const redis = findRedisServer(false);
const redisMissing = 'reason' in redis ? redis.reason : null;

/** What every fault must leave: each acknowledged span stored exactly once, and the API counting what the store holds. */
function expectNothingLost(r: ScenarioResult) {
  expect(r.skipped, r.skipped).toBeUndefined();
  expect(r.acknowledged).toBeGreaterThan(0);
  expect({ name: r.name, lost: r.lost, duplicated: r.duplicated, failed: r.failed }).toEqual({ name: r.name, lost: 0, duplicated: 0, failed: {} });
  expect(r.stored).toBeGreaterThanOrEqual(r.acknowledged);
  expect(r.apiCount).toBe(r.stored);
  expect(r.ingestRecoveredS).not.toBeNull();
  expect(r.backlogStoredS).not.toBeNull();
}

describe('fault table (npm run faults -- --quick), embedded', () => {
  it('kill -9 of `all` and a write-locked store lose and duplicate nothing acknowledged', async () => {
    const { results } = await runFaults({ quick: true, only: ['all-kill', 'store-locked'] });
    for (const r of results) expectNothingLost(r);
    // the kill was felt: senders met closed connections and retried
    expect(results.find((r) => r.name === 'all-kill')!.refused).toBeGreaterThan(0);
  }, 150_000);
});

describe.skipIf(redisMissing !== null)(`fault table (npm run faults -- --quick), BullMQ (needs redis-server: ${redisMissing ?? 'found'})`, () => {
  it('kill -9 of the receiver and of Redis lose and duplicate nothing acknowledged', async () => {
    const { results } = await runFaults({ quick: true, only: ['receiver-kill', 'redis-kill'] });
    for (const r of results) {
      expectNothingLost(r);
      expect(r.refused).toBeGreaterThan(0);
    }
  }, 150_000);
});
