import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../tests/helpers/server-process.js';

/** Where redis-server is, installed with apt-get when missing, `install` is set and we are root; else the reason it is not. */
export function findRedisServer(install = true): { path: string } | { reason: string } {
  const which = () => spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (which()) return { path: which() };
  if (!install) return { reason: 'redis-server not found' };
  if (process.getuid?.() !== 0) return { reason: 'redis-server not found, and cannot install it (needs root and apt-get)' };
  const apt = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], { stdio: 'ignore' });
  if (apt.status !== 0 || !which()) return { reason: 'redis-server not found and apt-get install failed' };
  return { path: which() };
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A throwaway redis-server on a free loopback port that fsyncs its AOF on
 * every write, so a job Redis acknowledged survives Redis being killed; it can
 * be killed (-9) and started again on the same port and data directory.
 */
export class RedisProcess {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'faults-redis-'));

  private constructor(
    private readonly binary: string,
    readonly port: number,
  ) {}

  static async start(binary: string): Promise<RedisProcess> {
    const redis = new RedisProcess(binary, await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    this.child = spawn(this.binary, [...args, '--dir', this.dir, '--logfile', join(this.dir, 'redis.log')], { stdio: 'ignore' });
    const until = Date.now() + 20_000;
    while (!(await reachable(this.port))) {
      if (this.child.exitCode !== null || Date.now() > until) throw new Error(`redis-server did not start on ${this.port} (log: ${this.dir}/redis.log)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** kill -9, waiting until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}
