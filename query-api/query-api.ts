import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Store } from '../exporters/store.js';
import type { RateLimiter } from '../auth/rate-limit/index.js';
import type { RedactionRules } from '../collector/redact/index.js';
import { authMiddleware, principalScope, type AuthState } from './auth-middleware.js';
import { rateLimitMiddleware } from './rate-limit-middleware.js';
import { errorMiddleware } from './error-middleware.js';
import { healthRoutes, type ReadinessCheck } from './routes/health-routes.js';
import { exportRoutes } from './routes/export-routes.js';
import { ledgerRoutes } from './routes/ledger-routes.js';
import { openApiRoutes } from './routes/openapi-routes.js';
import { runsRoutes } from './routes/runs-routes.js';
import { statsRoutes } from './routes/stats-routes.js';
import { tracesRoutes } from './routes/traces-routes.js';
import type { AgentRoutesOptions } from './agents/agent-routes-options.js';
import { activityReadRoutes } from './routes/activity-read-routes.js';
import { activityReportRoutes } from './routes/activity-report-routes.js';
import { agentActionsRoutes } from './routes/agent-actions-routes.js';
import { agentsRoutes } from './routes/agents-routes.js';

export interface QueryApiOptions {
  host: string;
  port: number;
  store: Store;
  logger: Logger;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  readiness: ReadinessCheck[];
  /** The agent registry and activity routes (exporters/agent-store.ts). */
  agents: AgentRoutesOptions;
  /** Ingest's rules: searches for a clear value that ingest pseudonymises look for its pseudonym. */
  redaction: RedactionRules | null;
}

export interface QueryApi {
  readonly app: Koa;
  start(): Promise<void>;
  port(): number;
  close(): Promise<void>;
}

class KoaQueryApi implements QueryApi {
  readonly app = new Koa();
  private server: Server | null = null;

  constructor(private readonly options: QueryApiOptions) {
    const { app } = this;
    app.proxy = false;
    app.silent = true;
    app.use(errorMiddleware(options.logger));
    app.use(authMiddleware(options.authenticator));
    // anonymous requests (the public activity view) are limited per client address
    const credentialOf = (ctx: Koa.Context) => {
      const state = ctx.state as Partial<AuthState>;
      return state.principal?.credential_id ?? (state.policy?.optionalCredential ? `ip:${ctx.ip}` : null);
    };
    const limits = {
      query: rateLimitMiddleware(options.rateLimiter, 'query', credentialOf),
      export: rateLimitMiddleware(options.rateLimiter, 'export', credentialOf),
      stats: rateLimitMiddleware(options.rateLimiter, 'stats', credentialOf),
      ingest: rateLimitMiddleware(options.rateLimiter, 'ingest', credentialOf),
    };
    app.use((ctx, next) => {
      const policy = (ctx.state as Partial<AuthState>).policy;
      return policy ? limits[policy.rateClass](ctx, next) : next();
    });
    const scopeOf = principalScope;
    const routers = [
      healthRoutes(options.readiness),
      ledgerRoutes(options.store, scopeOf, options.redaction),
      statsRoutes(options.store, scopeOf),
      exportRoutes(options.store, scopeOf, options.redaction),
      runsRoutes(options.store, scopeOf, options.redaction),
      tracesRoutes(options.store, scopeOf, options.redaction),
      agentsRoutes(options.agents, scopeOf),
      activityReadRoutes(options.agents, scopeOf),
      agentActionsRoutes(options.agents, scopeOf),
      activityReportRoutes(options.agents),
      openApiRoutes(),
    ];
    for (const router of routers) {
      app.use(router.routes()).use(router.allowedMethods());
    }
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = this.app.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
      server.once('error', reject);
      this.server = server;
    });
  }

  port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}

export function createQueryApi(options: QueryApiOptions): QueryApi {
  return new KoaQueryApi(options);
}
