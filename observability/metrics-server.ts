import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { readiness, type ReadinessCheck } from './readiness.js';

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  readiness: ReadinessCheck[];
  logger: Logger;
}

export interface MetricsServer {
  start(): Promise<void>;
  port(): number;
  close(): Promise<void>;
}

/**
 * The operator's port, on every role: GET /metrics (Prometheus text format,
 * no credential, as exporters conventionally serve it), /healthz (the process
 * answers) and /readyz (its queue, Redis and store answer too).
 */
export function createMetricsServer(options: MetricsServerOptions): MetricsServer {
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      options.logger.error({ err }, 'metrics request failed');
      if (!res.headersSent) json(res, 500, { status: 'error', error: 'internal error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' && path !== '/healthz' && path !== '/readyz') return json(res, 404, { error: `no route for ${path}; try /metrics, /healthz or /readyz` });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return json(res, 405, { error: 'use GET' });
    }
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = await readiness(options.readiness);
      return json(res, report.status === 'ready' ? 200 : 503, report);
    }
    const text = await options.registry.metrics();
    res.writeHead(200, { 'Content-Type': options.registry.contentType, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  return {
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    port: () => (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}
