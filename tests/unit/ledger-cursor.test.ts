import { describe, expect, it } from 'vitest';
import { parseSearchQuery } from '../../model/search-query.js';
import { cursorNow, decodeCursor, encodeCursor, MAX_CURSOR_LENGTH, type CursorContext } from '../../query-api/ledger-cursor.js';

const ctx = (over: Partial<CursorContext> = {}): CursorContext => ({
  sort_by: 'duration',
  sort_order: 'asc',
  filter: { scope: { organization_id: 'org_a' }, outcome: 'error', q: parseSearchQuery('refund "connection tim"*') },
  now: 1_765_000_000_123,
  ...over,
});
const refused = (text: string, c = ctx()) => {
  try {
    decodeCursor(text, c);
  } catch (err) {
    return (err as { status?: number; message: string }).status === 400 && (err as Error).message.includes('`cursor`');
  }
  return false;
};

describe('ledger cursor', () => {
  it('round-trips each sort key exactly: doubles, safe integers, names in any script', () => {
    for (const [sort_by, key] of [['duration', 0.1 + 0.2], ['duration', 5e-324], ['timestamp', 1_733_011_200_123_456], ['cost', Number.MAX_SAFE_INTEGER], ['name', 'café\u0301 🚀 "x"\\']] as const) {
      const c = ctx({ sort_by });
      expect(decodeCursor(encodeCursor(c, { key, id: 'e1' }), c)).toEqual({ key, id: 'e1' });
    }
  });

  it('binds the cursor to every filter and the sort, not to the scope', () => {
    const text = encodeCursor(ctx(), { key: 12.5, id: 'e1' });
    expect(refused(text, ctx({ filter: { ...ctx().filter, q: parseSearchQuery('refund') } }))).toBe(true);
    expect(refused(text, ctx({ filter: { ...ctx().filter, start_us: 0 } }))).toBe(true);
    expect(refused(text, ctx({ filter: { scope: { organization_id: 'org_a' }, outcome: 'error' } }))).toBe(true);
    expect(refused(text, ctx({ sort_order: 'desc' }))).toBe(true);
    expect(refused(text, ctx({ sort_by: 'cost' }))).toBe(true);
    // the scope comes from the credential and applies anyway
    expect(decodeCursor(text, ctx({ filter: { ...ctx().filter, scope: { organization_id: 'org_b' } } }))).toEqual({ key: 12.5, id: 'e1' });
  });

  it('carries the instant its first page resolved `now-…` at, bound like a filter', () => {
    const text = encodeCursor(ctx(), { key: 12.5, id: 'e1' });
    expect(cursorNow(text)).toBe(1_765_000_000_123);
    // the next page parses its filters at that instant; any other is other filters
    expect(refused(text, ctx({ now: 1_765_000_000_124 }))).toBe(true);
    const body = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    const respelled = (now: unknown) => Buffer.from(JSON.stringify([...body.slice(0, 5), now, body[6]]), 'utf8').toString('base64url');
    // an altered instant: the digest no longer holds
    expect(refused(respelled(1_765_000_000_000), ctx({ now: 1_765_000_000_000 }))).toBe(true);
    // instants no first page had: malformed, and not read as an instant
    for (const now of [-1, 1.5, '1765000000123', null, Date.now() + 2 * 86_400_000, 2 ** 60]) {
      expect(cursorNow(respelled(now)), String(now)).toBeUndefined();
      expect(refused(respelled(now)), String(now)).toBe(true);
    }
    for (const garbage of [undefined, 7, ['x'], '', 'AAAA', 'not a cursor!']) expect(cursorNow(garbage)).toBeUndefined();
  });

  it('refuses a cursor past its length cap before decoding it', () => {
    expect(refused('A'.repeat(MAX_CURSOR_LENGTH + 1))).toBe(true);
  });
});
