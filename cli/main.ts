#!/usr/bin/env node
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { UnsupportedQueryError } from '../exporters/store.js';
import { packageVersion, parseCommandLine, UsageError } from './command-line.js';
import type { ServerRole } from './roles.js';

const out = (text: string) => process.stdout.write(text);

async function main(argv: string[]): Promise<number> {
  const invocation = parseCommandLine(argv);
  if (invocation.kind === 'version') {
    out(`agent-ledger ${packageVersion()}\n`);
    return 0;
  }
  if (invocation.kind === 'help') {
    out(`${invocation.text}\n`);
    return 0;
  }
  const { spec, flags, args } = invocation;
  const config = loadConfig({ file: typeof flags.config === 'string' ? flags.config : null });
  const [noun, verb] = spec.name.split(' ');
  // each command loads only what it runs: --help, --version and bad input answer at once
  if (spec.group === 'role') return serve(noun as ServerRole, config);
  if (noun === 'export') await (await import('./export-command.js')).runExportCommand(config, flags);
  else if (noun === 'dlq') await (await import('./dlq-commands.js')).runDlqCommand(config, verb, args, flags.all === true, out);
  else if (noun === 'agents' || noun === 'verify' || noun === 'retention' || spec.name === 'orgs set') {
    return (await import('./agent-commands.js')).runAgentCommand(config, noun, verb, args, flags, out);
  } else await (await import('./credential-commands.js')).runCredentialCommand(config, noun, verb, args, flags, out);
  return 0;
}

async function serve(role: ServerRole, config: Config): Promise<number> {
  const [{ RoleError, startRole }, { createLogger }, { startSelfTracing }] = await Promise.all([
    import('./roles.js'),
    import('./logger.js'),
    import('./self-tracing.js'),
  ]);
  const logger = createLogger(config.log_level);
  let tracing;
  let server;
  try {
    // before the servers, so their first requests are traced
    tracing = await startSelfTracing(config, role, logger);
    server = await startRole(role, config, logger);
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

/** `--debug` anywhere, even on a command line that failed to parse. */
const debugging = (argv: string[]) => process.env.AGENT_LEDGER_DEBUG === '1' || argv.includes('--debug');

/** One line on stderr for every failure; exit 2 for bad input, 78 for bad configuration (EX_CONFIG), 1 otherwise. */
function failed(err: unknown, argv: string[]): number {
  const line = (text: string) => process.stderr.write(`agent-ledger: ${text.replace(/\s*\n\s*/g, ' ')}\n`);
  if (err instanceof UsageError) {
    line(`${err.message} (see agent-ledger ${err.command ? `${err.command} ` : ''}--help)`);
    return 2;
  }
  if (err instanceof ConfigError) {
    line(err.message);
    return 78;
  }
  // a store that cannot do what was asked (no agents in Elasticsearch): said as it is, not as a crash
  if (err instanceof UnsupportedQueryError) {
    line(err.message);
    return 1;
  }
  if (debugging(argv)) process.stderr.write(`agent-ledger: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  else line(`${err instanceof Error ? err.message : String(err)} (internal error; AGENT_LEDGER_DEBUG=1 or --debug shows where)`);
  return 1;
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(failed(err, argv)),
);
