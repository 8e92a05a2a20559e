import type { Middleware } from 'koa';
import { endHttpSpan, selfTracer, SpanKind } from '../model/self-trace.js';

/** Probes every few seconds would drown the traces that matter. */
const UNTRACED = new Set(['/healthz', '/readyz']);

/**
 * One server span per API request, named by its route template (never the
 * query string: searches may hold personal data). Outermost, so the status is
 * the one answered; a streamed body (export, SSE) ends its span once the
 * headers are out, not when the stream ends.
 */
export function selfTraceMiddleware(): Middleware {
  return (ctx, next) => {
    if (UNTRACED.has(ctx.path)) return next();
    return selfTracer.startActiveSpan(ctx.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method } }, async (span) => {
      try {
        await next();
      } finally {
        const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
        if (typeof route === 'string') {
          span.updateName(`${ctx.method} ${route}`);
          span.setAttribute('http.route', route);
        }
        endHttpSpan(span, ctx.status);
      }
    });
  };
}
