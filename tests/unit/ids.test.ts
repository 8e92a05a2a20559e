import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { ENTRY_ID_NAMESPACE, entryId } from '../../model/ids.js';

/** Deterministic pseudo-random hex, so failures reproduce. */
function hex(seed: number, length: number): string {
  let s = seed >>> 0;
  let out = '';
  while (out.length < length) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out += s.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

describe('entryId', () => {
  it('is the uuid package v5 of "<organization>/<trace>/<span>" in the entry namespace', () => {
    const organizations = ['default', 'org_test', '', 'ünïcødé-org ✓', '🦜 org', 'x'.repeat(200)];
    for (let i = 0; i < 2000; i++) {
      const org = organizations[i % organizations.length];
      const traceId = hex(i, 32);
      const spanId = hex(i * 31 + 7, 16);
      expect(entryId(org, traceId, spanId)).toBe(uuidv5(`${org}/${traceId}/${spanId}`, ENTRY_ID_NAMESPACE));
    }
  });

  it('keeps the ids already stored (pinned values)', () => {
    // Computed with uuid@11 v5 before entryId stopped using the package: they must never change.
    expect(entryId('org_test', '0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331')).toBe('4e1ae8b8-7623-5c6e-b6f8-112c0eee7137');
    expect(entryId('default', '00000000000000000000000000000001', '0000000000000001')).toBe('8f5a282e-6815-57f2-bd81-502eb9a9f2d8');
  });
});
