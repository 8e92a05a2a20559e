import type { Context, Next } from 'koa';
import type { Authenticator } from '../auth/authenticator.js';
import { credentialFrom } from '../auth/credential-header.js';
import { AuthenticationError } from '../auth/errors.js';
import { queryScopeOf, type Principal } from '../auth/principal.js';
import type { QueryScope } from '../exporters/store.js';
import { ApiError } from './api-error.js';
import { accessPolicy, type AccessPolicy } from './access-policy.js';

export interface AuthState {
  /** Absent only on a route whose policy allows anonymous requests, when none was authenticated. */
  principal?: Principal;
  policy: AccessPolicy;
}

/** Authenticates every non-public request and checks the route's scope: 401 and 403 happen here, nowhere else. */
export function authMiddleware(authenticator: Authenticator) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const policy = accessPolicy(ctx.method, ctx.path);
    if (!policy) return next();
    const credential = credentialFrom(ctx.req.headers);
    let principal: Principal;
    try {
      principal = await authenticator.authenticate(credential);
    } catch (err) {
      if (err instanceof AuthenticationError && credential === null && policy.optionalCredential) {
        (ctx.state as AuthState).policy = policy;
        return next();
      }
      if (err instanceof AuthenticationError) throw new ApiError(401, 'UNAUTHORIZED', err.message, { 'WWW-Authenticate': 'Bearer' });
      throw err;
    }
    if (!policy.scopes.some((s) => principal.scopes.has(s))) {
      throw new ApiError(403, 'FORBIDDEN', `this credential lacks the ${policy.scopes.map((s) => `\`${s}\``).join(' or ')} scope`);
    }
    (ctx.state as AuthState).principal = principal;
    (ctx.state as AuthState).policy = policy;
    await next();
  };
}

/** The principal of a request, or null on an anonymous request to a route that allows it. */
export function principalOf(ctx: Context): Principal | null {
  return (ctx.state as Partial<AuthState>).principal ?? null;
}

/** The tenant scope of an authenticated request (set by authMiddleware). */
export function principalScope(ctx: Context): QueryScope {
  const principal = (ctx.state as Partial<AuthState>).principal;
  if (!principal) throw new Error('principalScope used on a route the auth middleware does not cover');
  return queryScopeOf(principal);
}
