import { describe, expect, it } from 'vitest';
import { StatsAccumulator } from '../../exporters/stats-accumulator.js';
import { compareDecimals, MAX_COST_NANOS, NanoSum, nanosFromDecimal, nanosFromUsd, usdFromNanos } from '../../model/cost.js';
import { normalizeOne } from '../helpers/normalize-spans.js';

describe('USD → integer nano-USD', () => {
  it('reads decimals and doubles as the decimal they spell, without float drift', () => {
    // 0.0000193 × 1e9 is 19299.999999999996 as doubles
    expect(nanosFromUsd(0.0000193)).toBe(19_300);
    expect(nanosFromUsd('0.0000193')).toBe(19_300);
    expect(nanosFromUsd(2e-7)).toBe(200);
    expect(nanosFromUsd('2e-7')).toBe(200);
    expect(nanosFromUsd('2E-7')).toBe(200);
    expect(nanosFromUsd(0.1 + 0.2)).toBe(300_000_000); // 0.30000000000000004: the 17th digit is below a nano
    expect(nanosFromUsd(1e-9)).toBe(1);
    expect(nanosFromUsd('123456.123456789')).toBe(123_456_123_456_789);
    expect(nanosFromUsd(' .5 ')).toBe(500_000_000);
    expect(nanosFromUsd('5.')).toBe(5_000_000_000);
    expect(nanosFromUsd('+1')).toBe(1_000_000_000);
    expect(nanosFromUsd(0)).toBe(0);
    expect(nanosFromUsd(-0)).toBe(0);
  });

  it('rounds once, past the ninth decimal, half up', () => {
    expect(nanosFromUsd('1.0000000005')).toBe(1_000_000_001);
    expect(nanosFromUsd('1.00000000049999999999')).toBe(1_000_000_000);
    expect(nanosFromUsd('4.9e-10')).toBe(0);
    expect(nanosFromUsd('5e-10')).toBe(1);
    expect(nanosFromUsd(1e-320)).toBe(0);
    expect(nanosFromDecimal('1e-10', 'up')).toBe(1n);
    expect(nanosFromDecimal('0.00000000000000000000000000001', 'up')).toBe(1n);
    expect(nanosFromDecimal('1.9999999999', 'down')).toBe(1_999_999_999n);
    expect(nanosFromDecimal('0.000000002', 'up')).toBe(2n);
    expect(nanosFromDecimal('0.000000002', 'down')).toBe(2n);
  });

  it('ignores what is not a non-negative amount a call can cost', () => {
    for (const bad of [-1, '-0.5', NaN, Infinity, 'Infinity', '0x10', '1,5', '', '.', 'e5', '1e', '1e1234567', 'abc', null, undefined, true, {}, [1]]) {
      expect(nanosFromUsd(bad), String(bad)).toBeNull();
    }
    expect(nanosFromUsd('9007199.254740991')).toBe(MAX_COST_NANOS);
    expect(nanosFromUsd('9007199.254740992')).toBeNull(); // one nano past every safe integer
    expect(nanosFromUsd(1e300)).toBeNull();
    expect(nanosFromUsd(`1e999999`)).toBeNull();
  });

  it('compares decimals exactly', () => {
    expect(compareDecimals('0.0000001239', '0.0000001235')).toBe(1);
    expect(compareDecimals('0.10', '0.1')).toBe(0);
    expect(compareDecimals('1', '1.0000000000000000000000001')).toBe(-1);
  });
});

describe('nano-USD → USD', () => {
  it('is the double of the exact decimal, as JSON prints it', () => {
    expect(usdFromNanos(19_300)).toBe(0.0000193);
    expect(JSON.stringify(usdFromNanos(19_300))).toBe('0.0000193');
    expect(JSON.stringify(usdFromNanos(200))).toBe('2e-7');
    expect(usdFromNanos(1)).toBe(1e-9);
    expect(usdFromNanos(123_456_123_456_789)).toBe(123456.123456789);
    // every safe integer of nanos: the same double as parsing its decimal text
    for (let n = 1; n < 1e16; n = n * 7 + 3) expect(usdFromNanos(n), String(n)).toBe(Number(`${n}e-9`));
    expect(usdFromNanos(2n ** 60n)).toBe(1152921504.606846976);
  });

  it('sums exactly past 2^53 nanos (≈ 9 million USD)', () => {
    const sum = new NanoSum();
    sum.add(MAX_COST_NANOS);
    sum.add(MAX_COST_NANOS);
    sum.add(1);
    expect(sum.value).toBe(2n * BigInt(MAX_COST_NANOS) + 1n);
    const acc = new StatsAccumulator();
    acc.addEntry('success', 'big', 'a', MAX_COST_NANOS, 1);
    acc.addEntry('success', 'big', 'a', MAX_COST_NANOS, 1);
    acc.addEntry('error', 'small', 'a', 3, 1);
    const stats = acc.result();
    expect(stats.total_cost_usd).toBe(18014398.509481985);
    expect(stats.top_actions.map((t) => t.name)).toEqual(['big', 'small']);
  });

  it('sums a million 1e-9 USD costs to exactly 0.001 USD', () => {
    const acc = new StatsAccumulator();
    for (let k = 0; k < 1_000_000; k++) acc.addEntry('success', 'tick', null, nanosFromUsd(1e-9)!, 1);
    expect(acc.result().total_cost_usd).toBe(0.001);
    let doubles = 0;
    for (let k = 0; k < 1_000_000; k++) doubles += 1e-9;
    expect(doubles).not.toBe(0.001); // what summing USD as doubles would have said
  });
});

describe('normalised span costs', () => {
  it('keeps a Langfuse cost_details total of 0.0000193 and prices a 10-token embedding call', () => {
    expect(normalizeOne({ 'langfuse.observation.cost_details': '{"total":0.0000193}' }).cost_nanos).toBe(19_300);
    expect(normalizeOne({ 'langfuse.observation.cost_details': '{"input":0.0000001,"output":0.0000002}' }).cost_nanos).toBe(300);
    expect(normalizeOne({ 'ledger.cost_usd': '0.000000123' }).cost_nanos).toBe(123);
    expect(normalizeOne({ 'gen_ai.usage.cost': 1.23e-7 }).cost_nanos).toBe(123);
    const embedding = normalizeOne({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': 10,
    });
    expect(embedding.cost_nanos).toBe(200);
  });
});
