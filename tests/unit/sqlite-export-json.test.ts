import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { serializeEntryJson, serializeExport } from '../../query-api/export/export-formats.js';
import { normalizeFixtureFiles } from '../helpers/normalize-spans.js';

/** The JSON-text export splices stored payloads; it must be byte for byte what serialising the entries gives. */

let store: SqliteStore;
let written: EntryRecord[];
const scope = { organization_id: 'org_test' };

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

beforeAll(async () => {
  store = await createSqliteStore({ file: join(mkdtempSync(join(tmpdir(), 'export-json-')), 'ledger.db'), writer: 'inline' });
  written = ['otel-genai', 'openinference', 'openllmetry', 'langfuse'].flatMap((folder) => normalizeFixtureFiles(folder));
  // payloads the fixtures lack: numeric-looking keys (V8 orders them first), escapes, non-BMP text, -0 and big numbers
  const odd = { ...written[0], span_id: 'ffffffffffffff01', id: '00000000-0000-5000-8000-000000000001' };
  odd.inputs = { b: 1, 10: 'ten', 2: ['two', { '\u2028': 'line\nbreak "quoted" \\ 😀' }], neg: -0, big: 1e21, small: 5e-7 };
  odd.attributes = { 'a.b': 'x', 1: true };
  odd.compliance_metadata = { data_classification: 'pii' } as never;
  written.push(odd);
  await store.ledger.write(written);
});

afterAll(async () => {
  await store?.close();
});

describe('exportLedgerJson', () => {
  it('gives exactly JSON.stringify of each exported entry, for every fixture library and odd payloads', async () => {
    const entries = await collect(store.ledger.exportLedger({ scope }, 10_000));
    const texts = (await collect(store.ledger.exportLedgerJson({ scope }, 10_000))).flat();
    expect(entries.length).toBe(written.length);
    expect(texts).toEqual(entries.map((e) => JSON.stringify(e)));
  });

  it('honours filters and the limit like exportLedger', async () => {
    const filter = { scope, outcome: 'success' as const };
    const entries = await collect(store.ledger.exportLedger(filter, 5));
    const texts = (await collect(store.ledger.exportLedgerJson(filter, 5))).flat();
    expect(texts).toEqual(entries.map((e) => JSON.stringify(e)));
    expect(await collect(store.ledger.exportLedgerJson({ scope: { organization_id: 'another' } }, 10))).toEqual([]);
  });

  it('frames JSONL and JSON arrays the same way as the entry serialiser', async () => {
    for (const format of ['jsonl', 'json'] as const) {
      const viaTexts = (await collect(serializeEntryJson(store.ledger.exportLedgerJson({ scope }, 10_000), format))).join('');
      const viaEntries = (await collect(serializeExport(store.ledger.exportLedger({ scope }, 10_000), format))).join('');
      expect(viaTexts).toBe(viaEntries);
      const empty = (await collect(serializeEntryJson(store.ledger.exportLedgerJson({ scope: { organization_id: 'none' } }, 10), format))).join('');
      expect(empty).toBe(format === 'json' ? '[]\n' : '');
    }
  });
});
