#!/usr/bin/env node
/**
 * The image's HEALTHCHECK: `node dist/cli/healthcheck.js [role]` exits 0 when the
 * role's /readyz answers 200, 1 otherwise (within TIMEOUT_MS). Node itself
 * probes: slim images have no curl. The role is the argument, else the one
 * the container's main process was started with (/proc/1/cmdline), else
 * `all`, as `npm start`.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadConfig } from '../config/index.js';
import { ROLES, type ServerRole } from './role-names.js';

const TIMEOUT_MS = 4_000;

/** The role in a command line such as `node dist/cli/main.js receiver` (or behind an init: `docker-init -- node … worker`). */
export function roleFromCommandLine(args: readonly string[]): ServerRole | null {
  const main = args.findIndex((a) => /(^|\/)main\.js$/.test(a) || a === 'agent-ledger' || a.endsWith('/agent-ledger'));
  if (main < 0) return null;
  for (let i = main + 1; i < args.length; i++) {
    if (args[i] === '--config') i++; // its value is no command
    else if (!args[i].startsWith('-')) return ROLES.includes(args[i] as ServerRole) ? (args[i] as ServerRole) : null;
  }
  return null;
}

/** Where a role's readiness is probed: the query API for `all` and `query`, the metrics listener for the others. */
export function probeTarget(role: ServerRole, env: NodeJS.ProcessEnv = process.env): { host: string; port: number; path: string } {
  const config = loadConfig({ env });
  // a wildcard bind answers on loopback; probing the wildcard itself is not portable
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' || config.host === '[::]' ? '::1' : config.host.replace(/^\[(.*)\]$/, '$1');
  if (role === 'all' || role === 'query') return { host, port: config.http_port, path: '/readyz' };
  // receiver and worker answer readiness on the metrics listener (0 turns it off: nothing to probe)
  return { host, port: config.metrics_port, path: '/readyz' };
}

export function probe(target: { host: string; port: number; path: string }, timeoutMs = TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolve) => {
    const req = request({ host: target.host, port: target.port, path: target.path, method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? null : `${target.path} answered ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

function mainRole(): ServerRole {
  try {
    return roleFromCommandLine(readFileSync('/proc/1/cmdline', 'utf8').split('\0')) ?? 'all';
  } catch {
    return 'all';
  }
}

async function main(argv: string[]): Promise<number> {
  const asked = argv[0];
  if (asked !== undefined && !ROLES.includes(asked as ServerRole)) {
    process.stderr.write(`healthcheck: unknown role ${asked} (one of ${ROLES.join(', ')})\n`);
    return 2;
  }
  const role = (asked as ServerRole | undefined) ?? mainRole();
  let target;
  try {
    target = probeTarget(role);
  } catch (err) {
    process.stderr.write(`healthcheck: ${(err as Error).message}\n`);
    return 1;
  }
  const failure = await probe(target);
  if (failure === null) return 0;
  process.stderr.write(`healthcheck: ${role} not ready at ${target.host}:${target.port}${target.path}: ${failure}\n`);
  return 1;
}

// run only as a program, not when a test imports it
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
