import { TIMESERIES_INTERVALS, type LedgerStore } from '../../exporters/store.js';
import { bucketCount, bucketOf, INTERVAL_US } from '../../exporters/timeseries.js';
import { isoFromMicros } from '../../model/time.js';
import { validationError } from '../api-error.js';
import { enumParam, parseQuery, withDefault } from '../query-params.js';
import type { ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import type { RedactionRules } from '../../collector/redact/index.js';
import { checkDateRange, entryFieldFilterFrom, entryFieldShape, ledgerFilterShape, withPseudonyms } from './ledger-params.js';

export const statsShape = {
  start_date: ledgerFilterShape.start_date,
  end_date: ledgerFilterShape.end_date,
  agent_id: ledgerFilterShape.agent_id,
  ...entryFieldShape,
};

/** At most this many buckets in one answer: 41 days of hours, 2.7 years of days. */
export const MAX_TIMESERIES_BUCKETS = 1000;
/** Buckets when `start_date` or `end_date` is left out: 24 hours or 30 days before `end_date` (else now), or from `start_date`. */
const DEFAULT_BUCKETS = { hour: 24, day: 30 } as const;

export const timeseriesShape = {
  interval: withDefault(enumParam(TIMESERIES_INTERVALS), 'hour').meta({ description: 'Bucket width: UTC hours or UTC days.', examples: ['day'] }),
  ...statsShape,
};

export function statsRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  // a read, with a budget of its own (ledger-api.txt: stats)
  router.get('/api/v1/ledger/stats', { scopes: ['read'], rateClass: 'stats' }, async (ctx) => {
    const scope = scopeOf(ctx);
    const params = parseQuery(withPseudonyms(ctx.query, redaction, scope.organization_id), statsShape);
    checkDateRange(params);
    ctx.body = await store.stats({
      scope,
      agent_id: params.agent_id,
      start_us: params.start_date,
      end_us: params.end_date,
      ...entryFieldFilterFrom(params),
    });
  });

  router.get('/api/v1/ledger/stats/timeseries', { scopes: ['read'], rateClass: 'stats' }, async (ctx) => {
    const params = parseQuery(withPseudonyms(ctx.query, redaction, scopeOf(ctx).organization_id), timeseriesShape);
    checkDateRange(params);
    const { interval } = params;
    const step = INTERVAL_US[interval];
    const now = Date.now() * 1000;
    // a window of the default size from `start_date`, or up to now, when `end_date` is left out
    const end_us =
      params.end_date ??
      (params.start_date === undefined ? now : Math.min(now, bucketOf(params.start_date, interval) + DEFAULT_BUCKETS[interval] * step - 1));
    const start_us = params.start_date ?? bucketOf(end_us, interval) - (DEFAULT_BUCKETS[interval] - 1) * step;
    if (start_us > end_us) throw validationError('`start_date` must not be after `end_date`');
    const n = bucketCount({ interval, start_us, end_us });
    if (n > MAX_TIMESERIES_BUCKETS) {
      throw validationError(
        `\`start_date\` to \`end_date\` spans ${n} ${interval} buckets, more than ${MAX_TIMESERIES_BUCKETS}: narrow the range or use a wider \`interval\``,
      );
    }
    const buckets = await store.timeseries({
      scope: scopeOf(ctx),
      interval,
      start_us,
      end_us,
      agent_id: params.agent_id,
      ...entryFieldFilterFrom(params),
    });
    ctx.body = { interval, start: isoFromMicros(start_us), end: isoFromMicros(end_us), buckets };
  });
}
