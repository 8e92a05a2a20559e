import { Readable } from 'node:stream';
import type { RedactionRules } from '../../collector/redact/index.js';
import type { LedgerStore } from '../../exporters/store.js';
import { CONTENT_TYPE } from '../export/export-formats.js';
import { ledgerExport } from '../export/ledger-export.js';
import type { ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';

export { exportShape } from '../export/ledger-export.js';

export function exportRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/api/v1/ledger/export', { scopes: ['export'], rateClass: 'export' }, async (ctx) => {
    // validated and refused (400) before the response starts (ledger-export.ts, shared with `agent-ledger export`)
    const { format, chunks } = await ledgerExport(store, ctx.query, scopeOf(ctx), redaction);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    ctx.set('Content-Disposition', `attachment; filename="ledger-export-${stamp}.${format}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.type = CONTENT_TYPE[format];
    ctx.body = Readable.from(chunks, { objectMode: false });
  });
}
