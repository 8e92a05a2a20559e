import { parseQuery } from '../query-params.js';
import { PUBLIC, type ApiRouter } from '../route-access.js';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/** /healthz: the process answers. /readyz: every dependency it needs answers too. */
export function healthRoutes(router: ApiRouter, checks: ReadinessCheck[]): void {
  // no parameters, refused like on every route (a probe never sends any)
  router.get('/healthz', PUBLIC, (ctx) => {
    parseQuery(ctx.query, {});
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', PUBLIC, async (ctx) => {
    parseQuery(ctx.query, {});
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await check();
          return { name, ok: true as const };
        } catch (err) {
          return { name, ok: false as const, error: (err as Error).message };
        }
      }),
    );
    const ready = results.every((r) => r.ok);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks: results };
  });
}
