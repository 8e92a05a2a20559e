import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_DIR, DeadLetterDir } from '../../collector/queue/dead-letter-dir.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { runCli } from '../helpers/cli.js';
import { normalizeOne } from '../helpers/normalize-spans.js';

/**
 * `agent-ledger dlq` without Redis: the writes the embedded queue parked in
 * data_dir/dead-letters are listed and replayed into the store.
 * Run `npm run build` first.
 */
describe('agent-ledger dlq on the embedded queue', () => {
  it('lists parked writes and replays them into the store, removing each once written', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dlq-e2e-'));
    const letters = new DeadLetterDir(join(dataDir, DEAD_LETTER_DIR));
    const entry = (n: number) =>
      normalizeOne({}, { name: `parked-${n}`, traceId: n.toString(16).padStart(32, 'c'), spanId: n.toString(16).padStart(16, 'd') }, { organizationId: 'default' });
    await letters.park([entry(1)], 'refused: mapper_parsing_exception');
    await letters.park([entry(2)], 'refused: mapper_parsing_exception');

    const listed = runCli(dataDir, ['dlq', 'list']).trim().split('\n').map((l) => JSON.parse(l));
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ organization_id: 'default', entries: 1, failed_reason: 'refused: mapper_parsing_exception' });

    expect(runCli(dataDir, ['dlq', 'replay', listed[0].id])).toContain('replayed 1');
    expect((await letters.list()).map((l) => l.id)).toEqual([listed[1].id]);
    expect(runCli(dataDir, ['dlq', 'replay', '--all'])).toContain('replayed 1');
    expect(await letters.list()).toEqual([]);

    const store = await createSqliteStore({ file: join(dataDir, 'ledger.db'), writer: 'inline' });
    try {
      const page = await store.ledger.queryLedger({ scope: { organization_id: 'default', user_id: null }, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 10 });
      expect(page.data.map((e) => e.name).sort()).toEqual(['parked-1', 'parked-2']);
    } finally {
      await store.close();
    }
  });
});
