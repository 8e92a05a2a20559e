import { spawnSync } from 'node:child_process';
import { CLI } from './server-process.js';

/**
 * Runs the compiled `agent-ledger` with the given data directory; returns stdout, throws with stderr on failure.
 * The suite's own REDIS_URL is not passed on (as for servers): a command talks to Redis only when `env` says so.
 */
export function runCli(dataDir: string, args: string[], env: Record<string, string> = {}): string {
  const { REDIS_URL: _sharedRedis, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...inherited, AGENT_LEDGER_DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`agent-ledger ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}
