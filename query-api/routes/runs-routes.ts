import type { RedactionRules } from '../../collector/redact/index.js';
import { RUN_STATUSES } from '../../model/ledger-entry.js';
import { parseRunId } from '../../model/ids.js';
import { RUN_SORT_FIELDS, type LedgerStore } from '../../exporters/store.js';
import { notFound, validationError } from '../api-error.js';
import { dateParam, enumParam, parseQuery, runUserParam, withDefault } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { checkQueryCost, ledgerFilterShape, refusedAsBadRequest, sortOrderParam, withPseudonyms, zeroBasedPageShape } from './ledger-params.js';

export const runsShape = {
  ...zeroBasedPageShape,
  agent_id: ledgerFilterShape.agent_id,
  status: enumParam(RUN_STATUSES).optional().meta({ description: 'Only runs with this status.', examples: ['failed'] }),
  start_date: dateParam('start').meta({
    description: 'Runs that started at or after this time (RFC 3339 or a bare date); not after `end_date`.',
    examples: ['2024-12-01T00:00:00Z'],
  }),
  end_date: dateParam('end').meta({
    description: 'Runs that started at or before this time (RFC 3339, or a bare date for the whole UTC day).',
    examples: ['2024-12-31'],
  }),
  q: ledgerFilterShape.q,
  query: ledgerFilterShape.query,
  sort_by: withDefault(enumParam(RUN_SORT_FIELDS), 'timestamp').meta({
    description: 'Sort field (the run\'s start time or total cost); ties are broken by the run id.',
    examples: ['cost'],
  }),
  sort_order: sortOrderParam(),
};

/** One run: whose, since runs are per user (exporters/store.ts getRun). */
export const getRunShape = {
  user_id: runUserParam().meta({
    description:
      'Whose run of this id: runs are per user, so when several users wrote spans into one trace id each has a run of their own ' +
      '(GET /api/v1/runs lists each, with its `user_id`). Empty: the run of spans with no user. Left out: the caller\'s own run for a ' +
      'user key; for an organization key the earliest-started of them (then by user id, no user first). A user key naming another user finds nothing (404).',
    examples: ['alice'],
  }),
};

/** Runs, hierarchical (Run → Actions), as the ledger seed contrasts them with the flat ledger. */
export function runsRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/api/v1/runs', READ, async (ctx) => {
    const scope = scopeOf(ctx);
    const params = parseQuery(withPseudonyms(ctx.query, redaction, scope.organization_id), runsShape);
    if (params.start_date !== undefined && params.end_date !== undefined && params.start_date > params.end_date) {
      throw validationError('`start_date` must not be after `end_date`');
    }
    if (params.query) checkQueryCost(params.query, params.start_date);
    const { data, count } = await refusedAsBadRequest(() =>
      store.listRuns({
        scope,
        agent_id: params.agent_id,
        status: params.status,
        start_us: params.start_date,
        end_us: params.end_date,
        q: params.q,
        query: params.query,
        sort_by: params.sort_by,
        sort_order: params.sort_order,
        page: params.page,
        page_size: params.page_size,
      }),
    );
    ctx.body = { data, count, page: params.page, page_size: params.page_size, total_pages: Math.ceil(count / params.page_size) };
  });
  router.get('/api/v1/runs/:run_id', READ, async (ctx) => {
    const params = parseQuery(ctx.query, getRunShape);
    const runId = parseRunId(ctx.params.run_id);
    if (!runId) throw validationError('`run_id` must be a UUID (or 32 hex digits)');
    const detail = await store.getRun(scopeOf(ctx), runId, params.user_id);
    if (!detail) throw notFound(`run ${runId} not found`);
    ctx.body = { ...detail.run, actions: detail.actions };
  });
}
