import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { holdsPseudonymized } from '../collector/redact/index.js';
import type { Config } from '../config/index.js';
import { UnsupportedQueryError } from '../exporters/store.js';
import { ApiError } from '../query-api/api-error.js';
import { exportShape, ledgerExport } from '../query-api/export/ledger-export.js';
import { openStore, redactionRules } from './cli-store.js';
import { UsageError, type Flags } from './command-line.js';
import { flagOf } from './commands.js';
import { count, createProgress, rate } from './progress.js';

/** The API's messages name parameters as `start_date`; here they are flags. */
const asFlags = (message: string) => message.replace(/`([a-z_]+)`/g, (_, name: string) => (Object.hasOwn(exportShape, name) ? `--${flagOf(name)}` : `\`${name}\``));

/**
 * `agent-ledger export`: the ledger export of the API (same parameters, same
 * bytes: query-api/export/ledger-export.ts) read straight from the store of
 * the configuration, to stdout or to a file that appears only once complete.
 */
export async function runExportCommand(config: Config, flags: Flags): Promise<void> {
  const query: Record<string, string> = {};
  for (const param of Object.keys(exportShape)) {
    const value = flags[flagOf(param)];
    if (typeof value === 'string') query[param] = value;
  }
  const scope = { organization_id: typeof flags.org === 'string' ? flags.org : null };
  const output = typeof flags.output === 'string' ? resolve(flags.output) : null;
  const store = await openStore(config, 'none');
  try {
    let exported;
    let rows = 0;
    const rules = redactionRules(config);
    for (const param of ['q', 'search'] as const) {
      // the API's refusal speaks of credentials; here the way out is --org
      if (scope.organization_id === null && query[param] !== undefined && holdsPseudonymized(query[param], rules)) {
        throw new UsageError(`--${param} holds a value stored as a per-organization pseudonym (an email address): give --org to search it`, 'export');
      }
    }
    try {
      exported = await ledgerExport(store.ledger, query, scope, rules, (n) => (rows += n));
    } catch (err) {
      if (err instanceof ApiError) throw new UsageError(asFlags(err.message), 'export');
      if (err instanceof UnsupportedQueryError) throw new UsageError(err.message, 'export');
      throw err;
    }
    const progress = createProgress(process.stderr, { ttyOnly: true });
    const started = Date.now();
    const report = () => `exported ${count(rows)} entries (${rate(rows, started)}/s)`;
    if (output) await toFile(output, exported.chunks, () => progress.update(report()));
    else await toStdout(exported.chunks, () => progress.update(report()));
    progress.update(report());
    progress.done();
  } finally {
    await store.close();
  }
}

async function toStdout(chunks: AsyncIterable<string>, tick: () => void): Promise<void> {
  let failed: NodeJS.ErrnoException | null = null;
  const onError = (err: NodeJS.ErrnoException) => (failed = err);
  process.stdout.on('error', onError);
  try {
    for await (const chunk of chunks) {
      if (!failed && !process.stdout.write(chunk)) await drained(process.stdout);
      // `agent-ledger export | head` closing the pipe ends the export, quietly
      if ((failed as NodeJS.ErrnoException | null)?.code === 'EPIPE') return;
      if (failed) throw failed;
      tick();
    }
  } finally {
    process.stdout.off('error', onError);
  }
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((done) => {
    const finish = () => {
      stream.off('drain', finish);
      stream.off('error', finish);
      done();
    };
    stream.on('drain', finish);
    stream.on('error', finish);
  });
}

/**
 * Into a temporary file beside FILE (created new, mode 0600: audit evidence),
 * synced, then renamed over FILE: a reader never sees half an export, and a
 * failure or Ctrl-C leaves nothing behind.
 */
async function toFile(file: string, chunks: AsyncIterable<string>, tick: () => void): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`--output ${file}: ${err.code === 'ENOENT' ? 'no such directory' : err.message}`, 'export');
  });
  const interrupted = (signal: NodeJS.Signals) => {
    void handle.close().finally(() =>
      unlink(temp)
        .catch(() => {})
        .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143)),
    );
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  let done = false;
  try {
    for await (const chunk of chunks) {
      await handle.writeFile(chunk); // the whole chunk, at the current position
      tick();
    }
    await handle.sync();
    await handle.close();
    await rename(temp, file);
    done = true;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    if (!done) {
      await handle.close().catch(() => {});
      await unlink(temp).catch(() => {});
    }
  }
}
