import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { UnsupportedQueryError } from '../exporters/store.js';
import { ApiError } from './api-error.js';

/** The one place that maps failures to HTTP statuses and error bodies. */
export function errorMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new ApiError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      }
      // a method the router does not implement at all (PROPFIND, TRACE…): refused like any other method, not a 501
      if (ctx.status === 501 && ctx.body === undefined && !ctx.response.get('Allow')) {
        throw new ApiError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      }
      if ((ctx.status === 405 || ctx.status === 501) && ctx.body === undefined) {
        throw new ApiError(405, 'VALIDATION_ERROR', `${ctx.method} is not allowed on ${ctx.path}`, { Allow: String(ctx.response.get('Allow')) });
      }
    } catch (err) {
      // a store that cannot answer as asked (e.g. a backend without agents yet) refuses: the caller's 400
      const apiError =
        err instanceof ApiError
          ? err
          : err instanceof UnsupportedQueryError
            ? new ApiError(400, 'VALIDATION_ERROR', err.message)
            : new ApiError(500, 'INTERNAL', 'internal error; the server log has the details');
      if (!(err instanceof ApiError) && !(err instanceof UnsupportedQueryError)) logger.error({ err, method: ctx.method, path: ctx.path }, 'query API request failed');
      ctx.status = apiError.status;
      ctx.set(apiError.headers);
      ctx.body = { error: { code: apiError.code, message: apiError.message } };
    }
  };
}
