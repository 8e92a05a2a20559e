import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { EntryRecord } from '../../model/ledger-entry.js';
import type { LogMessageRecord } from '../../model/log-message.js';

/** The embedded queue's dead letters, under data_dir. */
export const DEAD_LETTER_DIR = 'dead-letters';

/** Where the in-process queue parks what the store refuses for good. */
export interface DeadLetterSink {
  /** Resolves once the entries (and GenAI log events, if any) are durable on disk. */
  park(entries: EntryRecord[], reason: string, logMessages?: LogMessageRecord[]): Promise<void>;
}

export interface ParkedLetter {
  id: string;
  organization_id: string | null;
  entries: EntryRecord[];
  /** GenAI log events the store refused (absent in letters of entries only). */
  log_messages?: LogMessageRecord[];
  failed_reason: string;
  failed_at: string;
}

/**
 * The embedded queue's dead-letter set: a directory of JSON files, one per
 * parked write (`data_dir/dead-letters`), each written to a temporary name,
 * fsynced, then renamed, so a crash leaves either the whole letter or none.
 * `agent-ledger dlq list | replay` reads it when no Redis is configured.
 */
export class DeadLetterDir implements DeadLetterSink {
  constructor(readonly dir: string) {}

  async park(entries: EntryRecord[], reason: string, logMessages?: LogMessageRecord[]): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const failedAt = new Date().toISOString();
    const id = `${failedAt.replace(/[:.]/g, '-')}-${randomUUID()}`;
    const organization = entries[0]?.organization_id ?? logMessages?.[0]?.organization_id ?? null;
    const letter: ParkedLetter = { id, organization_id: organization, entries, ...(logMessages?.length ? { log_messages: logMessages } : {}), failed_reason: reason, failed_at: failedAt };
    const tmp = join(this.dir, `.${id}.tmp`);
    const file = await open(tmp, 'w');
    try {
      await file.writeFile(JSON.stringify(letter));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(this.dir, `${id}.json`));
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  async list(): Promise<ParkedLetter[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(this.dir, n), 'utf8')) as ParkedLetter));
  }

  /** Removes a letter once its entries are written again. */
  async remove(id: string): Promise<void> {
    if (!/^[\w-]+$/.test(id)) throw new Error(`not a dead-letter id: ${id}`);
    await unlink(join(this.dir, `${id}.json`));
  }
}
