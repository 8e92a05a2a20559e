import type { LedgerStore } from '../../exporters/store.js';
import { dateParam, parseQuery, textParam } from '../query-params.js';
import type { ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { checkDateRange, entryFieldFilterFrom, entryFieldShape } from './ledger-params.js';

export const statsShape = {
  start_date: dateParam('start'),
  end_date: dateParam('end'),
  agent_id: textParam(),
  ...entryFieldShape,
};

export function statsRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver): void {
  // a read, with a budget of its own (ledger-api.txt: stats)
  router.get('/api/v1/ledger/stats', { scopes: ['read'], rateClass: 'stats' }, async (ctx) => {
    const params = parseQuery(ctx.query, statsShape);
    checkDateRange(params);
    ctx.body = await store.stats({
      scope: scopeOf(ctx),
      agent_id: params.agent_id,
      start_us: params.start_date,
      end_us: params.end_date,
      ...entryFieldFilterFrom(params),
    });
  });
}
