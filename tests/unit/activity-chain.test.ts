import { describe, expect, it } from 'vitest';
import { ChainVerifier, type ChainLink } from '../../model/activity-chain.js';
import { activityEventHash, GENESIS_HASH, type ChainedEventFields } from '../../model/activity-hash.js';

/** The chain rule without a store: links fed in order, as any store reads them. */
function chainOf(length: number): Array<{ link: ChainLink; fields: ChainedEventFields }> {
  const out: Array<{ link: ChainLink; fields: ChainedEventFields }> = [];
  let prev = GENESIS_HASH;
  for (let sequence = 1; sequence <= length; sequence++) {
    const fields: ChainedEventFields = {
      id: `ev-${sequence}`, organization_id: 'o', agent_id: 'a', sequence, event_type: 'login', severity: 'info',
      metadata: { n: sequence }, reported_by: 'key:k', created_at: `2026-01-0${sequence}T00:00:00.000000Z`,
    };
    const hash = activityEventHash(fields, prev);
    out.push({ link: { sequence, id: fields.id, prev_hash: prev, hash }, fields });
    prev = hash;
  }
  return out;
}

const owner = (chain: ReturnType<typeof chainOf>, over: Partial<{ chain_length: number; chain_head: string | null }> = {}) => ({
  id: 'a', asn: 'ASN-X', chain_length: chain.length, chain_head: chain.at(-1)?.link.hash ?? null, ...over,
});

function verify(chain: ReturnType<typeof chainOf>, tombstoned: number, o = owner(chain), feed = chain) {
  const v = new ChainVerifier(o);
  for (const { link } of feed.slice(0, tombstoned)) if (!v.tombstone(link)) break;
  for (const { link, fields } of feed.slice(tombstoned)) if (!v.event(link, () => fields)) break;
  return v.result();
}

describe('ChainVerifier (model/activity-chain.ts)', () => {
  const chain = chainOf(4);

  it('verifies a whole chain, and one whose oldest links are tombstones (linkage only)', () => {
    expect(verify(chain, 0)).toMatchObject({ valid: true, events_checked: 4, tombstones: 0, verified_from: 1, first_broken: null });
    expect(verify(chain, 2)).toMatchObject({ valid: true, events_checked: 2, tombstones: 2, verified_from: 3, first_broken: null });
    expect(verify([], 0, owner([]))).toMatchObject({ valid: true, events_checked: 0, verified_from: null, head: { sequence: 0, hash: null } });
  });

  it('names the first broken link: an edited event, a rewired link, a missing event, a removed tail, a wrong head', () => {
    const edited = chain.map((c, i) => (i === 2 ? { ...c, fields: { ...c.fields, severity: 'critical' } } : c));
    expect(verify(chain, 0, owner(chain), edited).first_broken).toMatchObject({ sequence: 3, event_id: 'ev-3', reason: 'hash_mismatch' });
    const rewired = chain.map((c, i) => (i === 1 ? { ...c, link: { ...c.link, prev_hash: GENESIS_HASH } } : c));
    expect(verify(chain, 0, owner(chain), rewired).first_broken).toMatchObject({ sequence: 2, reason: 'prev_hash_mismatch', expected: chain[0].link.hash });
    expect(verify(chain, 1, owner(chain), [chain[0], chain[2], chain[3]]).first_broken).toMatchObject({ sequence: 2, reason: 'missing_event' });
    expect(verify(chain, 0, owner(chain), chain.slice(0, 3)).first_broken).toMatchObject({ sequence: 4, reason: 'missing_event' });
    expect(verify(chain, 0, owner(chain, { chain_head: 'f'.repeat(64) })).first_broken).toMatchObject({ sequence: 4, reason: 'head_mismatch' });
    expect(verify(chain, 0, owner(chain, { chain_length: 3 })).first_broken).toMatchObject({ sequence: 4, reason: 'head_mismatch' });
  });

  it('reads unreadable stored fields as a broken link, not a crash', () => {
    const v = new ChainVerifier(owner(chain));
    expect(v.event(chain[0].link, () => { throw new SyntaxError('bad JSON'); })).toBe(false);
    expect(v.result().first_broken).toMatchObject({ sequence: 1, reason: 'hash_mismatch', expected: 'unreadable' });
  });
});
