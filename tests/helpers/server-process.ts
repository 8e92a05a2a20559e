import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// from tests/helpers (vitest) or dist/tests/helpers (compiled benchmarks)
const ROOT = here.includes('/dist/') ? here.slice(0, here.lastIndexOf('/dist/')) : join(here, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The admin key every test server is bootstrapped with (AGENT_LEDGER_BOOTSTRAP_KEY). */
export const TEST_ADMIN_KEY = 'alk_testadmn_0123456789abcdefghijklmnopqrstuvwxyzABCD';

export interface ServerProcess {
  child: ChildProcess;
  /** Authorization header of the bootstrap admin key. */
  auth: { Authorization: string };
  dataDir: string;
  otlpUrl: string;
  /** host:port of OTLP/gRPC (no scheme, as grpc-js takes it). */
  otlpGrpcAddress: string;
  apiUrl: string;
  /** Base URL of the metrics port (/metrics, /healthz, /readyz). */
  metricsUrl: string;
  logs: string[];
  /** GET on the query API as the admin (or with the given headers), parsed. */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

type ServerOptions = { dataDir?: string; env?: Record<string, string>; role?: 'all' | 'receiver' | 'worker' | 'query' };

/** Test servers' Elasticsearch indices: `agent-ledger-e2e-<hash of the data directory>` (scripts/test-es.sh deletes them after the run). */
export function elasticsearchPrefixFor(dataDir: string): string {
  return `agent-ledger-e2e-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
}

/** A start that lost its probed port to another process before binding it (test files run in parallel). */
class PortTakenError extends Error {}

/**
 * Starts the compiled server (`agent-ledger all`) on free loopback ports and waits until it listens.
 * A port probed free can be taken before the server binds it: then it starts again on other ports.
 */
export async function startServerProcess(options: ServerOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ledger-e2e-'));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnFreePorts(dataDir, options);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt === 3) throw err;
    }
  }
}

async function startOnFreePorts(dataDir: string, options: ServerOptions): Promise<ServerProcess> {
  // ports a caller fixes (a restart on the ports of a killed server) are kept; the others are probed
  const fixed = (name: string) => Number(options.env?.[name]) || null;
  const [httpPort, otlpPort, otlpGrpcPort, metricsPort] = [
    fixed('AGENT_LEDGER_HTTP_PORT') ?? (await freePort()),
    fixed('AGENT_LEDGER_OTLP_PORT') ?? (await freePort()),
    fixed('AGENT_LEDGER_OTLP_GRPC_PORT') ?? (await freePort()),
    fixed('AGENT_LEDGER_METRICS_PORT') ?? (await freePort()),
  ];
  const { REDIS_URL: _sharedRedis, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, options.role ?? 'all'], {
    env: {
      // the embedded default unless a test asks for Redis: test servers must not share queues or budgets
      ...inherited,
      AGENT_LEDGER_HOST: '127.0.0.1',
      AGENT_LEDGER_HTTP_PORT: String(httpPort),
      AGENT_LEDGER_OTLP_PORT: String(otlpPort),
      AGENT_LEDGER_OTLP_GRPC_PORT: String(otlpGrpcPort),
      AGENT_LEDGER_METRICS_PORT: String(metricsPort),
      AGENT_LEDGER_DATA_DIR: dataDir,
      AGENT_LEDGER_LOG_LEVEL: 'info',
      AGENT_LEDGER_BOOTSTRAP_KEY: TEST_ADMIN_KEY,
      // tests send spans from fixed past dates, older than the default retention; the sweeper tests turn it on
      AGENT_LEDGER_RETENTION_SWEEP_INTERVAL_SECONDS: '0',
      // with ELASTICSEARCH_URL set (npm run test:es), every server has indices of its own, kept across a restart on the same data directory
      AGENT_LEDGER_ELASTICSEARCH_INDEX_PREFIX: elasticsearchPrefixFor(dataDir),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let startTimer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        logs.push(line);
        if (line.includes('agent-ledger listening')) resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => logs.push(c.toString()));
    exited.then((code) => {
      const message = `server exited with ${code} before listening:\n${logs.join('\n')}`;
      reject(logs.some((l) => l.includes('EADDRINUSE')) ? new PortTakenError(message) : new Error(message));
    });
    startTimer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in time:\n${logs.join('\n')}`));
    }, 20_000);
    startTimer.unref();
  }).finally(() => clearTimeout(startTimer));
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const auth = { Authorization: `Bearer ${TEST_ADMIN_KEY}` };
  return {
    child,
    auth,
    dataDir,
    otlpUrl: `http://127.0.0.1:${otlpPort}/v1/traces`,
    otlpGrpcAddress: `127.0.0.1:${otlpGrpcPort}`,
    apiUrl,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    logs,
    async get(path: string, headers: Record<string, string> = auth) {
      const res = await fetch(apiUrl + path, { headers });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body, headers: res.headers };
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
