import type { Context, Middleware, Next } from 'koa';
import type { Metrics } from '../observability/metrics.js';
import { statusClass } from '../observability/metrics.js';
import { credentialName, elapsedMs, type RequestLog } from '../observability/request-log.js';
import { principalOf } from './auth-middleware.js';

/**
 * Outermost middleware: times each request until its response is sent (an
 * export streams for long after the handler returned), then records its
 * latency by route template and writes its log line. The route is the
 * router's template (`/api/v1/runs/:id`), never the path or query string.
 */
export function requestObserver(metrics: Metrics | null, log: RequestLog | null): Middleware {
  return async (ctx: Context, next: Next): Promise<void> => {
    const startNs = process.hrtime.bigint();
    const { req, res } = ctx;
    const socket = req.socket;
    const writtenBefore = socket.bytesWritten;
    res.once('close', () => {
      const status = res.statusCode;
      const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
      const route = typeof matched === 'string' ? matched : 'unmatched';
      const method = ctx.method;
      const durationMs = elapsedMs(startNs);
      metrics?.api.duration.observe({ method: boundedMethod(method), route, status_class: statusClass(status) }, durationMs / 1000);
      const principal = principalOf(ctx);
      log?.({
        method,
        route,
        status,
        duration_ms: durationMs,
        bytes_in: Number(req.headers['content-length']) || 0,
        // what went over the connection for this response, headers included (a stream has no Content-Length)
        bytes_out: socket.bytesWritten - writtenBefore,
        credential: credentialName(principal),
        organization: principal?.organization_id ?? null,
        ...(res.writableFinished ? {} : { aborted: true as const }),
      });
    });
    await next();
  };
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Any method may be sent; a label takes only the known ones (the rest are `other`). */
function boundedMethod(method: string): string {
  return METHODS.has(method) ? method : 'other';
}
