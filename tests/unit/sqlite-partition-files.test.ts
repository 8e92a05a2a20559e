import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../exporters/sqlite/driver.js';

/**
 * Writer processes sharing a data directory (workers) create a day's
 * partition when its first span arrives: at midnight, several at once. Each
 * must end up writing into the one file every other uses, none replacing a
 * file another has already written rows into.
 */

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const DAYS = Array.from({ length: 12 }, (_, i) => `2026-01-${String(i + 1).padStart(2, '0')}.db`);
const PROCESSES = 6;

describe('partition files created by several processes at once', () => {
  it('are created once: every process writes into the same file, no row is lost, nothing is left behind', async () => {
    const module = join(here, '../../dist/exporters/sqlite/partition-files.js');
    if (!existsSync(module)) throw new Error(`${module} is missing: run npm run build first (the processes run compiled code)`);
    const dir = mkdtempSync(join(tmpdir(), 'partition-files-race-'));
    dirs.push(dir);
    // each process creates (or opens) every day and writes one row of its own there
    const script = `const { PartitionFiles } = await import(process.argv[1]);
      const files = new PartitionFiles(process.argv[2]);
      for (const name of JSON.parse(process.argv[3])) {
        const db = files.openForWrite(name, 'NORMAL', 8);
        db.prepare("INSERT INTO entries (id, organization_id, run_id, trace_id, span_id, is_root, name, kind, outcome, ts_us, end_us, duration_ms, cost_nanos, tags, attributes, truncated_fields) VALUES (?, 'acme', 'run', 'trace', ?, 1, 'step', 'tool', 'success', 0, 0, 0, 0, '[]', '{}', '[]')").run(process.argv[4] + name, process.argv[4]);
        db.close();
      }`;
    const run = (p: number) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(module).href, dir, JSON.stringify(DAYS), `p${p}`], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all(Array.from({ length: PROCESSES }, (_, p) => run(p)));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    for (const day of DAYS) {
      const db = openDatabase(join(dir, day), { readonly: true });
      try {
        expect(db.prepare('SELECT span_id FROM entries ORDER BY span_id').pluck().all(), day).toEqual(Array.from({ length: PROCESSES }, (_, p) => `p${p}`));
      } finally {
        db.close();
      }
    }
    expect(readdirSync(dir).filter((f) => !DAYS.includes(f) && !/-(wal|shm)$/.test(f))).toEqual([]);
  }, 60_000);
});
