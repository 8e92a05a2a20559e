#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { startEmbeddedServer } from './embedded-server.js';
import { createLogger } from './logger.js';

const USAGE = `usage: agent-ledger <role> [--config FILE]

roles:
  all        receiver + queue + worker + store + query API in one process (the embedded default)

Configuration: defaults < YAML file (--config or AGENT_LEDGER_CONFIG) < AGENT_LEDGER_* environment variables.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  const role = positionals[0];
  if (values.help || !role) {
    process.stdout.write(`${USAGE}\n`);
    return role || values.help ? 0 : 2;
  }
  if (role !== 'all') {
    process.stderr.write(`unknown role ${role}\n${USAGE}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig({ file: values.config ?? null });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`agent-ledger: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.log_level);
  const server = await startEmbeddedServer(config, logger);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      server.close().then(resolve, (err) => {
        logger.error({ err }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`agent-ledger: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
