import { Readable } from 'node:stream';
import type { RedactionRules } from '../../collector/redact/index.js';
import type { LedgerStore } from '../../exporters/store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import type { SearchQuery } from '../../model/search-query.js';
import { CONTENT_TYPE, EXPORT_FORMATS, serializeEntryJson, serializeExport } from '../export/export-formats.js';
import { enumParam, intParam, parseQuery } from '../query-params.js';
import type { ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { decodeCursor } from '../ledger-cursor.js';
import { cursorParam, ledgerFilterFrom, ledgerFilterShape, refusedAsBadRequest, withHighlights, withPseudonyms } from './ledger-params.js';

export const exportShape = {
  format: enumParam(EXPORT_FORMATS).optional().transform((v) => v ?? 'jsonl'),
  limit: intParam(1, 100_000, 10_000),
  cursor: cursorParam(),
  ...ledgerFilterShape,
};

async function* highlighted(entries: AsyncIterable<LedgerEntry>, q: SearchQuery): AsyncGenerator<LedgerEntry> {
  for await (const entry of entries) yield withHighlights(entry, q);
}

export function exportRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/api/v1/ledger/export', { scopes: ['export'], rateClass: 'export' }, async (ctx) => {
    const scope = scopeOf(ctx);
    const params = parseQuery(withPseudonyms(ctx.query, redaction, scope.organization_id), exportShape);
    const filter = ledgerFilterFrom(params, scope);
    // the export's order is the ledger's timestamp, newest first: a ledger page's `next_cursor` in that sort starts it after that page
    const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor, { sort_by: 'timestamp', sort_order: 'desc', filter });
    const { q, ...withoutQ } = filter;
    // without q (no highlights), a store that keeps entries as JSON text hands it over as it is
    const texts = !q && params.format !== 'csv' && store.exportLedgerJson ? store.exportLedgerJson(withoutQ, params.limit, after) : null;
    const entries = texts ? null : await refusedAsBadRequest(() => store.exportLedger(filter, params.limit, after));
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    ctx.set('Content-Disposition', `attachment; filename="ledger-export-${stamp}.${params.format}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = CONTENT_TYPE[params.format];
    if (texts) {
      ctx.body = Readable.from(serializeEntryJson(texts, params.format as 'jsonl' | 'json'), { objectMode: false });
      return;
    }
    // JSON and JSONL lines carry `highlights` with `q`; CSV keeps its fixed columns.
    const lines = params.q ? highlighted(entries!, params.q) : entries!;
    ctx.body = Readable.from(serializeExport(lines, params.format), { objectMode: false });
  });
}
