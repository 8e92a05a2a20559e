import { createHash } from 'node:crypto';
import { LEDGER_SORT_FIELDS, type LedgerFilter, type LedgerKeyset, type LedgerSortField, type SortOrder } from '../exporters/store.js';
import { validationError } from './api-error.js';

/**
 * The ledger's opaque `cursor`: base64url of the JSON array
 * `[1, sort_by, sort_order, key, id, digest]`, where (key, id) is the last
 * row's position in the sort (exporters/store.ts LedgerKeyset) and `digest`
 * binds it to that sort and to the filters it was made for. It is not a
 * secret nor a credential: it only says where to start, and the caller's
 * scope applies as always, so an altered position shows nothing the caller
 * could not see anyway. Anything that does not decode to exactly this shape
 * is a 400 naming `cursor`.
 */
const VERSION = 1;

/** Node refuses request heads past 16 KiB, so a longer cursor could never come back; names are far shorter (collector max_name_bytes). */
export const MAX_CURSOR_LENGTH = 16_384;
const MAX_ID_LENGTH = 200;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface CursorContext {
  sort_by: LedgerSortField;
  sort_order: SortOrder;
  filter: LedgerFilter;
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
  const text = JSON.stringify([VERSION, ctx.sort_by, ctx.sort_order, position.key, position.id, filterText(ctx.filter)]);
  return createHash('sha256').update(text).digest().subarray(0, 16).toString('base64url');
}

export function encodeCursor(ctx: CursorContext, position: LedgerKeyset): string {
  const body = [VERSION, ctx.sort_by, ctx.sort_order, position.key, position.id, digest(ctx, position)];
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

/** The position a cursor holds, checked against the request's sort and filters; any mismatch or damage is a 400 naming `cursor`. */
export function decodeCursor(text: string, ctx: CursorContext): LedgerKeyset {
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
  if (!Array.isArray(body) || body.length !== 6) throw malformed();
  const [version, sortBy, sortOrder, key, id, sum] = body as unknown[];
  if (version !== VERSION) throw malformed();
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
  if (sum !== digest(ctx, position)) {
    throw validationError('`cursor` was made for other filters (or altered): keep the filters while following cursors, or leave `cursor` out to start over');
  }
  return position;
}
