import type { Context } from 'koa';
import type { QueryScope } from '../exporters/store.js';

/** Derives the tenant scope of a request; every store read takes one. */
export type ScopeResolver = (ctx: Context) => QueryScope;
