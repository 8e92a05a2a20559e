import Router, { type RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import type { Scope } from '../auth/principal.js';
import type { RateLimitClass } from '../auth/rate-limit/index.js';
import { ApiError } from './api-error.js';

/** A route anyone may call: no credential is read, no budget is charged. */
export interface PublicAccess {
  readonly public: true;
}

/** A route that needs a credential holding one of `scopes`, charged to its `rateClass` budget. */
export interface ScopedAccess {
  readonly public?: false;
  /** Any one of these scopes lets the request through. */
  readonly scopes: readonly [Scope, ...Scope[]];
  readonly rateClass: RateLimitClass;
  /**
   * A request without a credential proceeds anonymously (the activity seed's
   * public view) and is rate-limited by its address; one with a credential is
   * checked as everywhere else.
   */
  readonly optionalCredential?: boolean;
}

export type RouteAccess = PublicAccess | ScopedAccess;

export const PUBLIC: PublicAccess = { public: true };
export const READ: ScopedAccess = { scopes: ['read'], rateClass: 'query' };
export const ADMIN: ScopedAccess = { scopes: ['admin'], rateClass: 'query' };
export const EXPORT: ScopedAccess = { scopes: ['export'], rateClass: 'export' };

/** The middleware that enforces one scoped route's access: authentication (401), scope (403), rate limit (429), in that order. */
export type AccessGuard = (access: ScopedAccess) => Middleware[];

export interface DeclaredRoute {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  access: RouteAccess;
}

/**
 * The one router of the query API. Every route is registered with its access
 * here, where it is defined, and the check runs as that route's own
 * middleware: only a request that matched a route is authenticated, and it is
 * always checked against the route that will answer it. A request that
 * matches no route runs nothing and is a 404.
 *
 * Strict and case-sensitive, so a path matches only as the route spells it:
 * `/api/v1/ledger/export/`, `/API/V1/LEDGER/EXPORT`, `//api/v1/…`,
 * `/api/v1/ledger/%65xport`, `/api/v1/ledger/./export` and `…/export;x` match
 * nothing. (Within a path parameter, percent-decoding only changes the value
 * the route looks up, never which route answers.)
 */
export class ApiRouter {
  readonly router = new Router({ strict: true, sensitive: true });
  readonly declared: DeclaredRoute[] = [];

  constructor(private readonly guard: AccessGuard) {}

  get(path: string, access: RouteAccess, handler: RouterMiddleware): this {
    return this.add('GET', path, access, handler);
  }

  post(path: string, access: RouteAccess, handler: RouterMiddleware): this {
    return this.add('POST', path, access, handler);
  }

  delete(path: string, access: RouteAccess, handler: RouterMiddleware): this {
    return this.add('DELETE', path, access, handler);
  }

  /**
   * A path parameter holding an encoded slash (`/api/v1/searches/<id>%2Fexport`)
   * that spells another route's path is that other path respelled, not a value:
   * it matches no route (a 404 before any credential is read or budget charged),
   * so it can never be answered under this route's scope and rate class. A
   * slash in a value that names no route (an external id `team/bot`) stays a value.
   */
  private encodedSlashGuard(path: string): RouterMiddleware {
    return (ctx, next) => {
      const params = ctx.params as Record<string, string>;
      if (Object.values(params).some((v) => typeof v === 'string' && v.includes('/'))) {
        const spelt = path.replace(/:(\w+)/g, (_, name: string) => params[name]);
        if (this.router.match(spelt, ctx.method).path.length > 0) throw new ApiError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      }
      return next();
    };
  }

  private add(method: DeclaredRoute['method'], path: string, access: RouteAccess, handler: RouterMiddleware): this {
    if (this.declared.some((r) => r.method === method && r.path === path)) throw new Error(`route ${method} ${path} is declared twice`);
    this.declared.push({ method, path, access });
    const guards = [this.encodedSlashGuard(path), ...(access.public ? [] : (this.guard(access) as RouterMiddleware[]))];
    if (method === 'GET') this.router.get(path, ...guards, handler);
    else if (method === 'POST') this.router.post(path, ...guards, handler);
    else this.router.delete(path, ...guards, handler);
    return this;
  }
}
