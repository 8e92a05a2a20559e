#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { runCredentialCommand, UsageError } from './credential-commands.js';
import { runDlqCommand } from './dlq-commands.js';
import { runAgentCommand } from './agent-commands.js';
import { ROLES, RoleError, startRole, type ServerRole } from './roles.js';
import { createLogger } from './logger.js';
import { startSelfTracing } from './self-tracing.js';

const USAGE = `usage: agent-ledger <command> [--config FILE]

roles:
  all                        receiver + queue + worker + store + query API in one process (the embedded default;
                             with REDIS_URL the queue is BullMQ)
  receiver                   OTLP receiver enqueueing to BullMQ (needs REDIS_URL)
  worker                     BullMQ worker writing to the store (needs REDIS_URL)
  query                      query API

credentials:
  orgs create <id> [--name NAME]
  orgs list
  orgs set <id> [--retention-days N [--force]] [--public-activity on|off]
                             retention below 183 days (EU AI Act Art. 19) needs --force
  keys create [--org ID] [--role user|admin|superuser] [--user ID] [--scopes ingest,read,export,admin,activity:report]
              [--name NAME] [--expires-in 30d | --expires-at ISO-DATE]      prints the key once
  keys list [--org ID]
  keys revoke <key id or prefix>

agents:
  agents list [--org ID] [--status active|deactivated] [--name TEXT]
  agents show <agent id | ASN | external id> [--org ID]
  verify --agent <agent id | ASN | external id> [--org ID]   recomputes its activity hash chain; exits 1 if broken
  retention sweep            deletes what is past retention now (the server also does it periodically)

dead letters (BullMQ jobs that kept failing; needs REDIS_URL):
  dlq list
  dlq replay <job id…> | --all

Configuration: defaults < YAML file (--config or AGENT_LEDGER_CONFIG) < AGENT_LEDGER_* environment variables.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      name: { type: 'string' },
      org: { type: 'string' },
      role: { type: 'string' },
      user: { type: 'string' },
      scopes: { type: 'string' },
      'expires-in': { type: 'string' },
      'expires-at': { type: 'string' },
      all: { type: 'boolean' },
      status: { type: 'string' },
      agent: { type: 'string' },
      'retention-days': { type: 'string' },
      'public-activity': { type: 'string' },
      force: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const [command, verb, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
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
  const agentCommand = command === 'agents' || command === 'verify' || command === 'retention' || (command === 'orgs' && verb === 'set');
  if (agentCommand || command === 'orgs' || command === 'keys' || command === 'dlq') {
    try {
      const out = (text: string) => process.stdout.write(text);
      if (agentCommand) return await runAgentCommand(config, command, verb, args, values, out);
      if (command === 'dlq') await runDlqCommand(config, verb, args, values.all === true, out);
      else await runCredentialCommand(config, command, verb, args, values, out);
      return 0;
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`agent-ledger: ${err.message}\n`);
      return 2;
    }
  }
  if (!ROLES.includes(command as ServerRole)) {
    process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
    return 2;
  }
  const logger = createLogger(config.log_level);
  let tracing;
  let server;
  try {
    // before the servers, so their first requests are traced
    tracing = await startSelfTracing(config, command as ServerRole, logger);
    server = await startRole(command as ServerRole, config, logger);
  } catch (err) {
    await tracing?.shutdown();
    if (!(err instanceof RoleError || err instanceof ConfigError)) throw err;
    process.stderr.write(`agent-ledger: ${err.message}\n`);
    return err instanceof ConfigError ? 78 : 2;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      server
        .close()
        .catch((err) => logger.error({ err }, 'shutdown failed'))
        .then(() => tracing?.shutdown())
        .then(resolve);
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
