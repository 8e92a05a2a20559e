import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleFromCommandLine } from '../../cli/healthcheck.js';
import { CLI, freePort, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

// the image's HEALTHCHECK, run as Docker runs it: a process whose exit code is the verdict
const HEALTHCHECK = join(CLI, '../healthcheck.js');

function healthcheck(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = Date.now();
  const { REDIS_URL: _redis, AGENT_LEDGER_CONFIG: _config, ...inherited } = process.env;
  const child = spawn(process.execPath, [HEALTHCHECK, ...args], { env: { ...inherited, AGENT_LEDGER_HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr, ms: Date.now() - started })));
}

/** A stand-in for the metrics listener another role serves: answers /readyz with the given status, or never. */
async function listener(status: number | 'hang'): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (status === 'hang') return;
    res.writeHead(req.url === '/readyz' ? status : 404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

describe('healthcheck against the compiled server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('exits 0 when the query API is ready, for `all` and `query`', async () => {
    const port = new URL(server.apiUrl).port;
    for (const role of ['all', 'query']) {
      const result = await healthcheck([role], { AGENT_LEDGER_HTTP_PORT: port });
      expect(result, role).toMatchObject({ code: 0, stderr: '' });
    }
  });

  it('exits 1 on a port nobody listens on, naming what it probed', async () => {
    const port = await freePort();
    const result = await healthcheck(['all'], { AGENT_LEDGER_HTTP_PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`127.0.0.1:${port}/readyz`);
    expect(result.stderr).toContain('ECONNREFUSED');
  });

  it('exits 1 when the server is stopped', async () => {
    const port = new URL(server.apiUrl).port;
    await server.stop();
    expect((await healthcheck(['all'], { AGENT_LEDGER_HTTP_PORT: port })).code).toBe(1);
  });
});

describe('healthcheck of receiver and worker (the metrics port)', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it('probes AGENT_LEDGER_METRICS_PORT, not the API port', async () => {
    const ready = await listener(200);
    const unready = await listener(503);
    servers.push(ready.server, unready.server);
    for (const role of ['receiver', 'worker']) {
      // the API port answering must not make a receiver look healthy
      expect((await healthcheck([role], { AGENT_LEDGER_METRICS_PORT: String(ready.port), AGENT_LEDGER_HTTP_PORT: String(unready.port) })).code, role).toBe(0);
      const down = await healthcheck([role], { AGENT_LEDGER_METRICS_PORT: String(unready.port), AGENT_LEDGER_HTTP_PORT: String(ready.port) });
      expect(down.code, role).toBe(1);
      expect(down.stderr).toContain('answered 503');
    }
  });

  it('gives up on a listener that never answers, within its timeout', async () => {
    const hung = await listener('hang');
    servers.push(hung.server);
    const result = await healthcheck(['worker'], { AGENT_LEDGER_METRICS_PORT: String(hung.port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no answer within');
    expect(result.ms).toBeLessThan(8_000);
  });

  it('refuses an unknown role with exit 2', async () => {
    const result = await healthcheck(['--all'], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown role --all');
  });
});

describe('the role of the container', () => {
  it('is read from the main command line, behind an init or not', () => {
    expect(roleFromCommandLine(['node', 'dist/cli/main.js', 'receiver'])).toBe('receiver');
    expect(roleFromCommandLine(['/sbin/docker-init', '--', 'node', '/app/dist/cli/main.js', '--config', 'x.yaml', 'worker'])).toBe('worker');
    expect(roleFromCommandLine(['node', 'dist/cli/main.js'])).toBeNull();
    expect(roleFromCommandLine(['node', 'dist/cli/main.js', 'keys'])).toBeNull();
    expect(roleFromCommandLine(['redis-server'])).toBeNull();
  });
});
