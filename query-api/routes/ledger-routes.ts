import type { ParsedUrlQuery } from 'node:querystring';
import type { RedactionRules } from '../../collector/redact/index.js';
import type { LedgerStore, QueryScope } from '../../exporters/store.js';
import { validationError } from '../api-error.js';
import { cursorNow, decodeCursor, encodeCursor } from '../ledger-cursor.js';
import { parseQuery } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { cursorParam, ledgerFilterFrom, ledgerFilterShape, refusedAsBadRequest, sortShape, withHighlights, withPseudonyms, withQueryAt, zeroBasedPageShape } from './ledger-params.js';

export const ledgerShape = {
  ...zeroBasedPageShape,
  cursor: cursorParam().meta({
    description:
      'Opaque keyset position: the `next_cursor` of the previous page, with the same filters and sort (else a 400 naming `cursor`). ' +
      'The page starts right after that page\'s last entry, without re-walking the rows before it. Not with a `page` other than 0; ' +
      'a malformed, truncated or altered cursor is a 400.',
  }),
  ...ledgerFilterShape,
  ...sortShape,
};

export function ledgerRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/api/v1/ledger', READ, async (ctx) => {
    ctx.body = await ledgerPage(store, ctx.query, scopeOf(ctx), redaction);
  });
}

/**
 * A ledger page for a query string, as GET /api/v1/ledger answers it; also
 * the answer of a saved search run by id (searches-routes.ts), so both are
 * one code path: the same validation, pseudonyms, scope, cursor and shape.
 */
export async function ledgerPage(store: LedgerStore, query: ParsedUrlQuery, scope: QueryScope, redaction: RedactionRules | null) {
  const own = withPseudonyms(query, redaction, scope.organization_id);
  // a later page resolves `now-…` at its first page's instant, which its cursor carries
  const now = cursorNow(own.cursor) ?? Date.now();
  const params = parseQuery(own, withQueryAt(ledgerShape, now));
  const filter = ledgerFilterFrom(params, scope);
  const sort = { sort_by: params.sort_by, sort_order: params.sort_order };
  if (params.cursor !== undefined && params.page !== 0) {
    throw validationError('`cursor` cannot be combined with a `page` other than 0: a cursor already says where the page starts');
  }
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor, { ...sort, filter, now });
  const { data, count, next } = await refusedAsBadRequest(() =>
    store.queryLedger({ ...filter, ...sort, page: params.page, page_size: params.page_size, after }),
  );
  return {
    data: data.map((entry) => withHighlights(entry, params.q)),
    count,
    // a keyset page does not know how many rows precede it
    page: after ? null : params.page,
    page_size: params.page_size,
    total_pages: Math.ceil(count / params.page_size),
    next_cursor: next ? encodeCursor({ ...sort, filter, now }, next) : null,
  };
}
