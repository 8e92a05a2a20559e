import { readiness, type ReadinessCheck } from '../../observability/readiness.js';
import { parseQuery } from '../query-params.js';
import { PUBLIC, type ApiRouter } from '../route-access.js';

export type { ReadinessCheck };

/** /healthz: the process answers. /readyz: every dependency it needs answers too. */
export function healthRoutes(router: ApiRouter, checks: ReadinessCheck[]): void {
  // no parameters, refused like on every route (a probe never sends any)
  router.get('/healthz', PUBLIC, (ctx) => {
    parseQuery(ctx.query, {});
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', PUBLIC, async (ctx) => {
    parseQuery(ctx.query, {});
    const report = await readiness(checks);
    ctx.status = report.status === 'ready' ? 200 : 503;
    ctx.body = report;
  });
}
