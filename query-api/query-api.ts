import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Store } from '../exporters/store.js';
import { errorMiddleware } from './error-middleware.js';
import { healthRoutes, type ReadinessCheck } from './routes/health-routes.js';
import { exportRoutes } from './routes/export-routes.js';
import { ledgerRoutes } from './routes/ledger-routes.js';
import { openApiRoutes } from './routes/openapi-routes.js';
import { runsRoutes } from './routes/runs-routes.js';
import { statsRoutes } from './routes/stats-routes.js';
import { tracesRoutes } from './routes/traces-routes.js';
import type { ScopeResolver } from './scope.js';

export interface QueryApiOptions {
  host: string;
  port: number;
  store: Store;
  logger: Logger;
  scopeOf: ScopeResolver;
  readiness: ReadinessCheck[];
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
    const routers = [
      healthRoutes(options.readiness),
      ledgerRoutes(options.store, options.scopeOf),
      statsRoutes(options.store, options.scopeOf),
      exportRoutes(options.store, options.scopeOf),
      runsRoutes(options.store, options.scopeOf),
      tracesRoutes(options.store, options.scopeOf),
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
