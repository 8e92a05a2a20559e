import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { StoreUnavailableError, UnsupportedQueryError } from '../exporters/store.js';
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
      const apiError = toApiError(err);
      if (err instanceof StoreUnavailableError) logger.warn({ err, method: ctx.method, path: ctx.path }, 'query API request refused: the store is unavailable');
      else if (!(err instanceof ApiError) && !(err instanceof UnsupportedQueryError)) logger.error({ err, method: ctx.method, path: ctx.path }, 'query API request failed');
      ctx.status = apiError.status;
      ctx.set(apiError.headers);
      ctx.body = { error: { code: apiError.code, message: apiError.message } };
    }
  };
}

/** Seconds a client should wait before asking again when the store is unavailable. */
const STORE_RETRY_AFTER_SECONDS = '5';

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  // a store that cannot answer as asked (e.g. a backend without agents yet) refuses: the caller's 400
  if (err instanceof UnsupportedQueryError) return new ApiError(400, 'VALIDATION_ERROR', err.message);
  // a backend that cannot answer now (down, overloaded, a shard failed): 503, never a partial answer or a 500
  if (err instanceof StoreUnavailableError) return new ApiError(503, 'INTERNAL', err.message, { 'Retry-After': STORE_RETRY_AFTER_SECONDS });
  return new ApiError(500, 'INTERNAL', 'internal error; the server log has the details');
}
