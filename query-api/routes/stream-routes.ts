import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { RedactionRules } from '../../collector/redact/index.js';
import { hasFullText } from '../../model/query-language.js';
import { validationError } from '../api-error.js';
import { principalOf } from '../auth-middleware.js';
import { parseQuery } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import type { StreamSink, TailHub } from '../stream/tail-hub.js';
import { ledgerFilterFrom, ledgerFilterShape, withPseudonyms } from './ledger-params.js';

export const STREAM_PATH = '/api/v1/ledger/stream';

/** The ledger's filters, as GET /api/v1/ledger takes them, but `q` (see below). */
const { q: _fullText, ...streamFilters } = ledgerFilterShape;
export const streamShape = streamFilters;

export const NO_TAIL = 'the live stream is not implemented by this store: Elasticsearch keeps no ingest order to resume a stream from (README, "Live tail")';

/**
 * New ledger entries as Server-Sent Events (query-api/stream/tail-hub.ts):
 * `event: entry`, `data:` the entry as GET /api/v1/ledger returns it, `id:`
 * the position to resume after (Last-Event-ID). `q` is refused: its matching
 * is the store's full-text index (tokeniser, CJK, phrases), which a
 * per-entry match in memory would only approximate.
 */
export function streamRoutes(router: ApiRouter, hub: TailHub | null, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get(STREAM_PATH, READ, async (ctx) => {
    if (Object.hasOwn(ctx.query, 'q')) {
      throw validationError('`q` (full text) is not supported on the stream: use `search` or the exact-value filters, or poll GET /api/v1/ledger with `q`');
    }
    const scope = scopeOf(ctx);
    const params = parseQuery(withPseudonyms(ctx.query, redaction, scope.organization_id), streamShape);
    const filter = ledgerFilterFrom(params, scope);
    if (filter.query && hasFullText(filter.query)) {
      throw validationError('`query` holds bare words (full text), which the stream cannot match: use field clauses, or poll GET /api/v1/ledger with the query');
    }
    if (!hub) throw validationError(NO_TAIL);
    const lastEventId = ctx.get('Last-Event-ID');
    const resume = lastEventId === '' ? null : hub.decode(lastEventId);
    if (lastEventId !== '' && resume === null) {
      throw validationError('`Last-Event-ID` is not a position this stream gave out (send back an `id:` of this stream, or none to start from now)');
    }
    const credential = principalOf(ctx)!.credential_id;
    const body = new PassThrough();
    const res = ctx.res;
    const sink: StreamSink = {
      write: (text) => body.write(text),
      buffered: () => body.writableLength + body.readableLength + res.writableLength,
      drained: async () => {
        if (body.writableNeedDrain) await Promise.race([once(body, 'drain'), once(body, 'close')]);
      },
      end: () => body.end(),
    };
    // a 429 (no slot left) is thrown here, before the response starts
    const stop = hub.open(credential, filter, resume, sink);
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setKeepAlive(true);
    ctx.status = 200;
    ctx.set('Cache-Control', 'no-store');
    // proxies (nginx) must not hold events back to fill a buffer
    ctx.set('X-Accel-Buffering', 'no');
    // the socket goes with the stream: once the server ends it (shutdown), nothing keeps the connection open
    ctx.set('Connection', 'close');
    ctx.type = 'text/event-stream; charset=utf-8';
    ctx.body = body;
    // the client went away, or the server ended the stream: its slot is free again
    res.once('close', stop);
    body.once('close', stop);
  });
}
