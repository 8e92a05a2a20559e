import type { Client } from '@elastic/elasticsearch';
import type { EntryDocument } from './entry-document.js';
import type { IndexNames } from './index-names.js';
import { ledgerSort } from './ledger-query-dsl.js';
import { walkAll } from './search-paging.js';

const CHUNK = 1000;

/**
 * Earlier versions kept one run per (organization, run) in `legacyRuns`, so
 * another user's spans changed one's run. While that index is there, every
 * entry is counted again into the runs per (organization, run, user), oldest
 * first, then it is deleted. Safe to repeat and to run from several
 * processes at once: each entry is counted once a run (run-markers.ts), so a crash part-way only means the next start walks again.
 * Returns how many entries were walked (0: nothing to rebuild).
 */
export async function rebuildLegacyRuns(
  client: Client,
  names: IndexNames,
  maxResultWindow: number,
  rollUp: (entries: EntryDocument[]) => Promise<void>,
): Promise<number> {
  if (!(await client.indices.exists({ index: names.legacyRuns }))) return 0;
  // the entries written before this start are the ones the old rollup counted
  await client.indices.refresh({ index: names.entriesPattern, ignore_unavailable: true, allow_no_indices: true });
  const spec = { index: names.entriesPattern, query: { match_all: {} }, sort: ledgerSort('timestamp', 'asc') };
  let walked = 0;
  for await (const hits of walkAll<EntryDocument>(client, spec, Number.MAX_SAFE_INTEGER, Math.min(CHUNK, maxResultWindow))) {
    await rollUp(hits.map((h) => h._source!));
    walked += hits.length;
  }
  await client.indices.delete({ index: names.legacyRuns }, { ignore: [404] });
  return walked;
}
