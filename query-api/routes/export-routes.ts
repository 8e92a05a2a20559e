import type { ParsedUrlQuery } from 'node:querystring';
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { RedactionRules } from '../../collector/redact/index.js';
import type { LedgerStore, QueryScope } from '../../exporters/store.js';
import { CONTENT_TYPE } from '../export/export-formats.js';
import { ledgerExport } from '../export/ledger-export.js';
import { EXPORT, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';

export { exportShape } from '../export/ledger-export.js';

export function exportRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/api/v1/ledger/export', EXPORT, async (ctx) => {
    await sendExport(ctx, store, ctx.query, scopeOf(ctx), redaction, 'ledger-export');
  });
}

/** The export of a query string as a file download; also a saved search's export (searches-routes.ts). */
export async function sendExport(ctx: Context, store: LedgerStore, query: ParsedUrlQuery, scope: QueryScope, redaction: RedactionRules | null, name: string): Promise<void> {
  // validated and refused (400) before the response starts (ledger-export.ts, shared with `agent-ledger export`)
  const { format, chunks } = await ledgerExport(store, query, scope, redaction);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  ctx.set('Content-Disposition', `attachment; filename="${name}-${stamp}.${format}"`);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = CONTENT_TYPE[format];
  ctx.body = Readable.from(chunks, { objectMode: false });
}
