import { resolve } from 'node:path';
import { loadPepper } from '../auth/pepper.js';
import { compileRedactionRules, type RedactionRules } from '../collector/redact/index.js';
import { ConfigError, type Config } from '../config/index.js';
import { createStore } from '../exporters/create-store.js';
import type { Store } from '../exporters/store.js';
import { createProgress } from './progress.js';

/**
 * The store of the configuration, opened for a command: a long start (SQLite
 * moving a single-file ledger into partitions) is reported on stderr as it
 * goes rather than after minutes of silence. `none` for commands that only
 * read entries.
 */
export async function openStore(config: Config, writer: 'inline' | 'none'): Promise<Store> {
  const progress = createProgress();
  try {
    return await createStore(config, { writer, log: (message) => progress.note(`agent-ledger: store: ${message}`) });
  } finally {
    progress.done();
  }
}

/** The rules the receiver pseudonymises with (cli/roles.ts compiles the same), so a search meets stored pseudonyms. */
export function redactionRules(config: Config): RedactionRules | null {
  if (!config.redaction.enabled) return null;
  try {
    return compileRedactionRules(config.redaction, {
      defaultPseudonymSecret: loadPepper(config.auth.key_pepper, resolve(config.data_dir)),
      maxJsonDepth: config.otlp.max_json_depth,
    });
  } catch (err) {
    throw new ConfigError(`invalid configuration: redaction: ${(err as Error).message}`);
  }
}
