import type { RedactionRules } from '../../collector/redact/index.js';
import type { Store } from '../../exporters/store.js';
import { intParam, parseQuery } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { ledgerFilterFrom, ledgerFilterShape, refusedAsBadRequest, sortShape, withHighlights, withPseudonyms } from './ledger-params.js';

export const ledgerShape = {
  page: intParam(0, 1_000_000_000, 0),
  page_size: intParam(1, 1000, 100),
  ...ledgerFilterShape,
  ...sortShape,
};

export function ledgerRoutes(router: ApiRouter, store: Store, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/api/v1/ledger', READ, async (ctx) => {
    const scope = scopeOf(ctx);
    const params = parseQuery(withPseudonyms(ctx.query, redaction, scope.organization_id), ledgerShape);
    const filter = ledgerFilterFrom(params, scope);
    const { data, count } = await refusedAsBadRequest(() =>
      store.queryLedger({
        ...filter,
        sort_by: params.sort_by,
        sort_order: params.sort_order,
        page: params.page,
        page_size: params.page_size,
      }),
    );
    ctx.body = {
      data: data.map((entry) => withHighlights(entry, params.q)),
      count,
      page: params.page,
      page_size: params.page_size,
      total_pages: Math.ceil(count / params.page_size),
    };
  });
}
