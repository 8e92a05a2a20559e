import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './server-process.js';

/** A Redis a test may stop: the suite's REDIS_URL says Redis tests run, redis-server gives one of our own. */
export const CAN_STOP_REDIS = Boolean(process.env.REDIS_URL) && spawnSync('redis-server', ['--version']).status === 0;

/** A throwaway redis-server on a free loopback port, without persistence. */
export async function startPrivateRedis(): Promise<{ url: string; process: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
