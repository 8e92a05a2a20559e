import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { LedgerStore, LedgerTail } from '../exporters/store.js';
import type { RateLimiter } from '../auth/rate-limit/index.js';
import type { RedactionRules } from '../collector/redact/index.js';
import { accessGuard, principalScope } from './auth-middleware.js';
import { ApiRouter, type DeclaredRoute } from './route-access.js';
import { errorMiddleware } from './error-middleware.js';
import { selfTraceMiddleware } from './self-trace-middleware.js';
import { requestObserver } from './request-observer.js';
import { consoleMiddleware, defaultConsoleDir, loadConsole } from './console-assets.js';
import type { Metrics } from '../observability/metrics.js';
import type { RequestLog } from '../observability/request-log.js';
import { healthRoutes, type ReadinessCheck } from './routes/health-routes.js';
import { exportRoutes } from './routes/export-routes.js';
import { entityTimelineRoutes } from './routes/entity-timeline-routes.js';
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
import { streamRoutes } from './routes/stream-routes.js';
import { searchesRoutes } from './routes/searches-routes.js';
import type { SavedSearchStore } from '../exporters/saved-search-store.js';
import { TailHub, type StreamSettings } from './stream/tail-hub.js';

export interface QueryApiOptions {
  host: string;
  port: number;
  ledger: LedgerStore;
  logger: Logger;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  readiness: ReadinessCheck[];
  /** The agent registry and activity routes (exporters/agent-store.ts). */
  agents: AgentRoutesOptions;
  /** Saved searches (Store.searches); null or absent, their routes stay declared and refuse with a 400 saying why. */
  searches?: SavedSearchStore | null;
  /** Ingest's rules: searches for a clear value that ingest pseudonymises look for its pseudonym. */
  redaction: RedactionRules | null;
  metrics?: Metrics;
  requestLog?: RequestLog;
  /** The stream route: the ledger in ingest order (Store.tail; null or absent, the route is refused) and its limits (config `stream`). */
  stream?: { tail: LedgerTail | null; settings: StreamSettings; secret?: string };
  /** The built web console (dist/console); by default beside the compiled query API. */
  consoleDir?: string;
}

export interface QueryApi {
  readonly app: Koa;
  /** Every route with the access it declared. */
  readonly routes: readonly DeclaredRoute[];
  start(): Promise<void>;
  port(): number;
  close(): Promise<void>;
}

class KoaQueryApi implements QueryApi {
  readonly app = new Koa();
  readonly routes: readonly DeclaredRoute[];
  private server: Server | null = null;
  private readonly hub: TailHub | null;

  constructor(private readonly options: QueryApiOptions) {
    const { app } = this;
    app.proxy = false;
    app.silent = true;
    app.use(selfTraceMiddleware());
    app.use(requestObserver(options.metrics ?? null, options.requestLog ?? null));
    app.use(errorMiddleware(options.logger));
    const consoleDir = options.consoleDir ?? defaultConsoleDir();
    const consoleAssets = loadConsole(consoleDir);
    if (!consoleAssets) options.logger.warn({ consoleDir }, 'web console not built (npm run build): GET / is a 404');
    app.use(consoleMiddleware(consoleAssets));
    const routes = new ApiRouter(accessGuard(options.authenticator, options.rateLimiter, options.metrics));
    const scopeOf = principalScope;
    healthRoutes(routes, options.readiness);
    ledgerRoutes(routes, options.ledger, scopeOf, options.redaction);
    entityTimelineRoutes(routes, options.ledger, scopeOf, options.redaction);
    const stream = options.stream;
    this.hub = stream?.tail ? new TailHub(stream.tail, stream.settings, options.logger, options.metrics?.sseClients ?? null, stream.secret) : null;
    streamRoutes(routes, this.hub, scopeOf, options.redaction);
    statsRoutes(routes, options.ledger, scopeOf, options.redaction);
    exportRoutes(routes, options.ledger, scopeOf, options.redaction);
    runsRoutes(routes, options.ledger, scopeOf, options.redaction);
    tracesRoutes(routes, options.ledger, scopeOf, options.redaction);
    searchesRoutes(routes, { ledger: options.ledger, searches: options.searches ?? null, redaction: options.redaction }, scopeOf);
    agentsRoutes(routes, options.agents, scopeOf);
    activityReadRoutes(routes, options.agents, scopeOf);
    agentActionsRoutes(routes, options.agents, scopeOf);
    activityReportRoutes(routes, options.agents);
    openApiRoutes(routes);
    // a path no route matches runs nothing (the error middleware answers 404); a known path with another method is a 405
    app.use(routes.router.routes()).use(routes.router.allowedMethods());
    this.routes = routes.declared;
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
    // open streams never end by themselves: end them, or the server would wait for them
    this.hub?.close();
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
