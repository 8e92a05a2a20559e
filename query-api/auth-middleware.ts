import type { Context, Middleware, Next } from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { credentialFrom } from '../auth/credential-header.js';
import { AuthenticationError } from '../auth/errors.js';
import { queryScopeOf, type Principal } from '../auth/principal.js';
import type { RateLimiter } from '../auth/rate-limit/index.js';
import type { QueryScope } from '../exporters/store.js';
import { ApiError } from './api-error.js';
import { rateLimitMiddleware } from './rate-limit-middleware.js';
import type { AccessGuard, ScopedAccess } from './route-access.js';
import type { Metrics } from '../observability/metrics.js';
import { authFailureReason } from '../observability/request-log.js';

export interface AuthState {
  /** Absent only on a route whose access allows anonymous requests, when none was authenticated. */
  principal?: Principal;
}

/**
 * Authenticates a request to a scoped route and checks the route's scope: 401
 * and 403 happen here, nowhere else. Mounted on each route by ApiRouter, with
 * that route's own access.
 */
export function authenticate(authenticator: Authenticator, access: ScopedAccess, metrics?: Metrics): Middleware {
  return async (ctx: Context, next: Next): Promise<void> => {
    const credential = credentialFrom(ctx.req.headers);
    let principal: Principal;
    try {
      principal = await authenticator.authenticate(credential);
    } catch (err) {
      if (err instanceof AuthenticationError && credential === null && access.optionalCredential) return next();
      if (err instanceof AuthenticationError) metrics?.authFailures.inc({ surface: 'api', reason: authFailureReason(credential) });
      if (err instanceof AuthenticationError) throw new ApiError(401, 'UNAUTHORIZED', err.message, { 'WWW-Authenticate': 'Bearer' });
      throw err;
    }
    if (!access.scopes.some((s) => principal.scopes.has(s))) {
      metrics?.authFailures.inc({ surface: 'api', reason: 'missing_scope' });
      throw new ApiError(403, 'FORBIDDEN', `this credential lacks the ${access.scopes.map((s) => `\`${s}\``).join(' or ')} scope`);
    }
    (ctx.state as AuthState).principal = principal;
    await next();
  };
}

/** The guard ApiRouter puts before every scoped route: authentication and scope, then the route's rate-limit class. */
export function accessGuard(authenticator: Authenticator, limiter: RateLimiter, metrics?: Metrics): AccessGuard {
  return (access) => [
    authenticate(authenticator, access, metrics),
    // anonymous requests (the public activity view) are limited per client address
    rateLimitMiddleware(limiter, access.rateClass, (ctx) => {
      const principal = (ctx.state as AuthState).principal;
      return principal?.credential_id ?? (access.optionalCredential ? `ip:${ctx.ip}` : null);
    }, metrics ? () => metrics.rateLimitRefusals.inc({ class: access.rateClass }) : undefined),
  ];
}

/** The principal of a request, or null on an anonymous request to a route that allows it. */
export function principalOf(ctx: Context): Principal | null {
  return (ctx.state as Partial<AuthState>).principal ?? null;
}

/** The tenant scope of an authenticated request (set by the route's guard). */
export function principalScope(ctx: Context): QueryScope {
  const principal = (ctx.state as Partial<AuthState>).principal;
  if (!principal) throw new Error('principalScope used on a route without a credential');
  return queryScopeOf(principal);
}
