import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { activityEventHash, GENESIS_HASH, type ChainedEventFields } from '../../model/activity-hash.js';
import { canonicalJson } from '../../model/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: [1, 'x', { d: null, c: true }] })).toBe('{"a":[1,"x",{"c":true,"d":null}],"b":1}');
    expect(canonicalJson({ z: { y: 1, x: 2 }, a: 0 })).toBe(canonicalJson({ a: 0, z: { x: 2, y: 1 } }));
  });

  it('orders keys by UTF-16 code units and writes numbers and strings as RFC 8785 does', () => {
    // RFC 8785 §3.2.3: "\u20ac" (€) sorts before "\ud83d\ude00" (😀), and "\r" first of all
    expect(canonicalJson({ '😀': 1, '€': 2, '\r': 3, '1': 4 })).toBe('{"\\r":3,"1":4,"€":2,"😀":1}');
    expect(canonicalJson([1e21, 1e-7, -0, 0.1 + 0.2, 333333333.3333333])).toBe('[1e+21,1e-7,0,0.30000000000000004,333333333.3333333]');
    expect(canonicalJson('a"b\\c\n\u0001é')).toBe('"a\\"b\\\\c\\n\\u0001é"');
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(Infinity)).toThrow(TypeError);
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
  });
});

const event = (sequence: number, metadata: Record<string, unknown> = { task_id: `t-${sequence}` }): ChainedEventFields => ({
  id: `00000000-0000-4000-8000-00000000000${sequence}`,
  organization_id: 'acme',
  agent_id: '11111111-1111-4111-8111-111111111111',
  sequence,
  event_type: 'task_completed',
  severity: 'info',
  metadata,
  reported_by: 'key:k1',
  created_at: `2026-03-18T14:30:0${sequence}.000000Z`,
});

describe('activityEventHash', () => {
  it('is SHA-256 over the canonical JSON of the fields and prev_hash, as written out here by hand', () => {
    const e = event(1, { b: [1, 2], a: 'x' });
    const manual =
      '{"agent_id":"11111111-1111-4111-8111-111111111111","created_at":"2026-03-18T14:30:01.000000Z","event_type":"task_completed",' +
      '"id":"00000000-0000-4000-8000-000000000001","metadata":{"a":"x","b":[1,2]},"organization_id":"acme",' +
      `"prev_hash":"${GENESIS_HASH}","reported_by":"key:k1","sequence":1,"severity":"info"}`;
    expect(activityEventHash(e, GENESIS_HASH)).toBe(createHash('sha256').update(manual).digest('hex'));
  });

  it('does not depend on the order metadata keys were written in', () => {
    expect(activityEventHash(event(1, { a: 1, b: { c: 2, d: 3 } }), GENESIS_HASH)).toBe(activityEventHash(event(1, { b: { d: 3, c: 2 }, a: 1 }), GENESIS_HASH));
  });

  it('chains: changing any event changes its hash and breaks the next link', () => {
    const chain: Array<{ fields: ChainedEventFields; prev: string; hash: string }> = [];
    let prev = GENESIS_HASH;
    for (let i = 1; i <= 5; i++) {
      const fields = event(i);
      const hash = activityEventHash(fields, prev);
      chain.push({ fields, prev, hash });
      prev = hash;
    }
    // intact: every hash recomputes and every prev_hash is the hash before
    chain.forEach((link, i) => {
      expect(activityEventHash(link.fields, link.prev)).toBe(link.hash);
      expect(link.prev).toBe(i === 0 ? GENESIS_HASH : chain[i - 1].hash);
    });
    for (const tamper of [
      (f: ChainedEventFields) => ({ ...f, metadata: { task_id: 'forged' } }),
      (f: ChainedEventFields) => ({ ...f, severity: 'critical' }),
      (f: ChainedEventFields) => ({ ...f, created_at: '2020-01-01T00:00:00.000000Z' }),
      (f: ChainedEventFields) => ({ ...f, sequence: 9 }),
    ]) {
      expect(activityEventHash(tamper(chain[2].fields), chain[2].prev)).not.toBe(chain[2].hash);
    }
    // the same event under another predecessor is another link
    expect(activityEventHash(chain[2].fields, chain[0].hash)).not.toBe(chain[2].hash);
  });
});
