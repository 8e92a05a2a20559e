import { createHash } from 'node:crypto';
import { LEDGER_SORT_FIELDS, type LedgerFilter, type LedgerKeyset, type LedgerSortField, type SortOrder } from '../exporters/store.js';
import { validationError } from './api-error.js';

/**
 * The ledger's opaque `cursor`: base64url of the JSON array
 * `[2, sort_by, sort_order, key, id, now, digest]`, where (key, id) is the
 * last row's position in the sort (exporters/store.ts LedgerKeyset), `now`
 * the instant (ms) the first page resolved relative times at (`query`'s
 * `now-1h`: every later page resolves them at the same instant, else each
 * page would cut another set of rows), and `digest` binds it to that sort
 * and to the filters it was made for (resolved at that `now`). It is not a
 * secret nor a credential: it only says where to start, and the caller's
 * scope applies as always, so an altered position shows nothing the caller
 * could not see anyway. Anything that does not decode to exactly this shape
 * is a 400 naming `cursor`.
 */
const VERSION = 2;

/** Node refuses request heads past 16 KiB, so a longer cursor could never come back; names are far shorter (collector max_name_bytes). */
export const MAX_CURSOR_LENGTH = 16_384;
const MAX_ID_LENGTH = 200;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface CursorContext {
  sort_by: LedgerSortField;
  sort_order: SortOrder;
  filter: LedgerFilter;
  /** When relative times in the filter were resolved (ms): cursorNow of the request's cursor, else the request's own time. */
  now: number;
}

/** Every filter but the scope (which comes from the credential and applies anyway), in a fixed order. */
function filterText(filter: LedgerFilter): string {
  const { scope: _scope, ...rest } = filter;
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(fields);
}

function digest(ctx: CursorContext, position: LedgerKeyset): string {
  const text = JSON.stringify([VERSION, ctx.sort_by, ctx.sort_order, position.key, position.id, ctx.now, filterText(ctx.filter)]);
  return createHash('sha256').update(text).digest().subarray(0, 16).toString('base64url');
}

export function encodeCursor(ctx: CursorContext, position: LedgerKeyset): string {
  const body = [VERSION, ctx.sort_by, ctx.sort_order, position.key, position.id, ctx.now, digest(ctx, position)];
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

const malformed = () => validationError('`cursor` is not a cursor this API made (malformed, truncated or altered): pass `next_cursor` as it was given, or leave `cursor` out to start from the first page');

/** The key a sort's position must hold: what its ORDER BY compares (integers for µs and nano-USD, the stored double, the name). */
function validKey(sortBy: LedgerSortField, key: unknown): key is number | string {
  switch (sortBy) {
    case 'timestamp':
    case 'cost':
      return Number.isSafeInteger(key);
    case 'duration':
      return typeof key === 'number' && Number.isFinite(key);
    case 'name':
      return typeof key === 'string';
  }
}

/** A `now` a first page could have used: not before 1970, not in the future (a day of clock skew between processes allowed). */
const validNow = (now: unknown): now is number => Number.isSafeInteger(now) && (now as number) >= 0 && (now as number) <= Date.now() + 86_400_000;

function cursorBody(text: string): unknown[] {
  if (text.length > MAX_CURSOR_LENGTH || !BASE64URL.test(text)) throw malformed();
  const bytes = Buffer.from(text, 'base64url');
  // one spelling per cursor: a cut or padded copy does not decode to the same bytes
  if (bytes.toString('base64url') !== text) throw malformed();
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(body) || body.length !== 7 || body[0] !== VERSION) throw malformed();
  return body;
}

/**
 * The instant a cursor's first page resolved relative times at, read before
 * the request's filters are parsed (they are parsed at it); undefined for no
 * cursor or a damaged one (decodeCursor then refuses it with a 400).
 */
export function cursorNow(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const now = cursorBody(text)[5];
    return validNow(now) ? now : undefined;
  } catch {
    return undefined;
  }
}

/** The position a cursor holds, checked against the request's sort and filters; any mismatch or damage is a 400 naming `cursor`. */
export function decodeCursor(text: string, ctx: CursorContext): LedgerKeyset {
  const [, sortBy, sortOrder, key, id, now, sum] = cursorBody(text);
  if (!validNow(now)) throw malformed();
  if (typeof sortBy !== 'string' || !(LEDGER_SORT_FIELDS as readonly string[]).includes(sortBy)) throw malformed();
  if (sortOrder !== 'asc' && sortOrder !== 'desc') throw malformed();
  const sort = sortBy as LedgerSortField;
  if (!validKey(sort, key) || typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || typeof sum !== 'string') throw malformed();
  if (sort !== ctx.sort_by || sortOrder !== ctx.sort_order) {
    throw validationError(
      `\`cursor\` was made for sort_by=${sort}&sort_order=${sortOrder}, not sort_by=${ctx.sort_by}&sort_order=${ctx.sort_order}: keep the sort while following cursors, or leave \`cursor\` out to start over`,
    );
  }
  const position = { key, id };
  // the filters were parsed at this cursor's `now` (cursorNow): another instant is other filters
  if (now !== ctx.now || sum !== digest(ctx, position)) {
    throw validationError('`cursor` was made for other filters (or altered): keep the filters while following cursors, or leave `cursor` out to start over');
  }
  return position;
}
