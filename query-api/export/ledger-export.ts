import type { ParsedUrlQuery } from 'node:querystring';
import type { z } from 'zod';
import type { RedactionRules } from '../../collector/redact/index.js';
import type { LedgerStore, QueryScope } from '../../exporters/store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import type { SearchQuery } from '../../model/search-query.js';
import { cursorNow, decodeCursor } from '../ledger-cursor.js';
import { enumParam, intParam, parseQuery, withDefault } from '../query-params.js';
import { cursorParam, ledgerFilterFrom, ledgerFilterShape, refusedAsBadRequest, withHighlights, withPseudonyms, withQueryAt } from '../routes/ledger-params.js';
import { EXPORT_FORMATS, serializeEntryJson, serializeExport, type ExportFormat } from './export-formats.js';

/** The parameters of GET /api/v1/ledger/export, and of `agent-ledger export` (its flags are these names). */
export const exportShape = {
  format: withDefault(enumParam(EXPORT_FORMATS), 'jsonl').meta({ description: 'File format.', examples: ['csv'] }),
  limit: intParam(1, 100_000, 10_000).meta({ description: 'Maximum records, newest first.', examples: [1000] }),
  cursor: cursorParam().meta({
    description:
      'Start the export after this position: a ledger page\'s `next_cursor` made with `sort_by=timestamp&sort_order=desc` (the export\'s order) ' +
      'and the same filters (else a 400 naming `cursor`).',
  }),
  ...ledgerFilterShape,
};

export interface LedgerExport {
  format: ExportFormat;
  /** The export's bytes in chunks, as the API sends them. */
  chunks: AsyncGenerator<string>;
}

async function* highlighted(entries: AsyncIterable<LedgerEntry>, q: SearchQuery, counted: (n: number) => void): AsyncGenerator<LedgerEntry> {
  for await (const entry of entries) {
    counted(1);
    yield withHighlights(entry, q);
  }
}

async function* counting<T>(items: AsyncIterable<T>, size: (item: T) => number, counted: (n: number) => void): AsyncGenerator<T> {
  for await (const item of items) {
    counted(size(item));
    yield item;
  }
}

/**
 * An export of the ledger from query parameters (validated as the API does,
 * with `q` and `search` meeting pseudonyms as stored), for the API route and
 * the CLI alike, so both give the same bytes for the same filter. Throws the
 * API's 400 (ApiError) for a bad parameter, before any byte is produced.
 * `counted` hears how many entries went into the serialiser.
 */
export async function ledgerExport(
  store: LedgerStore,
  query: ParsedUrlQuery,
  scope: QueryScope,
  redaction: RedactionRules | null,
  counted: (n: number) => void = () => {},
): Promise<LedgerExport> {
  const own = withPseudonyms(query, redaction, scope.organization_id);
  // started from a ledger page's cursor: `now-…` means what it meant on that page
  const now = cursorNow(own.cursor) ?? Date.now();
  const params: z.infer<z.ZodObject<typeof exportShape>> = parseQuery(own, withQueryAt(exportShape, now));
  const filter = ledgerFilterFrom(params, scope);
  // the export's order is the ledger's timestamp, newest first: a ledger page's `next_cursor` in that sort starts it after that page
  const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor, { sort_by: 'timestamp', sort_order: 'desc', filter, now });
  const { q, ...withoutQ } = filter;
  // without q (no highlights), a store that keeps entries as JSON text hands it over as it is
  if (!q && params.format !== 'csv' && store.exportLedgerJson) {
    const texts = counting(store.exportLedgerJson(withoutQ, params.limit, after), (group) => group.length, counted);
    return { format: params.format, chunks: serializeEntryJson(texts, params.format) };
  }
  const entries = await refusedAsBadRequest(() => store.exportLedger(filter, params.limit, after));
  // JSON and JSONL lines carry `highlights` with `q`; CSV keeps its fixed columns.
  const lines = params.q ? highlighted(entries, params.q, counted) : counting(entries, () => 1, counted);
  return { format: params.format, chunks: serializeExport(lines, params.format) };
}
