import { streamShape } from '../routes/stream-routes.js';
import type { PathItem } from './openapi-types.js';
import { responseRef } from './refs.js';
import { queryParameters } from './zod-openapi.js';

/** stream-routes.ts: GET /api/v1/ledger/stream (query-api/stream/tail-hub.ts). */
export const streamPaths: Record<string, PathItem> = {
  '/api/v1/ledger/stream': {
    get: {
      operationId: 'streamLedger',
      tags: ['ledger'],
      summary: 'Follow new ledger entries (Server-Sent Events)',
      description:
        'Entries that become visible after the stream opens (or after `Last-Event-ID`), in the order they become visible, as Server-Sent Events: ' +
        '`event: entry`, `data:` one LedgerEntry exactly as GET /api/v1/ledger returns it, `id:` an opaque position. ' +
        'The ledger\'s filters apply as on GET /api/v1/ledger, and the credential\'s scope (organization, user) to every event; `q` is a 400 (full text is matched only by the store\'s index). ' +
        'Reconnect with the last `id:` received as the `Last-Event-ID` header to get exactly the entries missed, late ones into past days included; an `id:` may also come without an event (on every heartbeat). ' +
        'A resume replays at most `stream.max_replay_rows` entries (200,000, every organization\'s counted), then sends `event: gap` and follows live. ' +
        'A `: ping` comment comes every `stream.heartbeat_ms` (15 s), and `retry:` says how long to wait before reconnecting. ' +
        'At most `stream.max_per_credential` (5) open streams per credential and `stream.max_clients` per process: one more is a 429. ' +
        'A client that reads too slowly is disconnected (it resumes from its last id). Refused with a 400 on the Elasticsearch store, which keeps no ingest order.',
      parameters: [
        ...queryParameters(streamShape),
        {
          name: 'Last-Event-ID',
          in: 'header',
          required: false,
          description: 'An `id:` this stream sent: resume right after it. Anything else is a 400 naming it.',
          schema: { type: 'string', maxLength: 65536 },
          example: 'Acy_Aio',
        },
      ],
      responses: {
        '200': {
          description: 'The event stream; it ends only when the client leaves, the server shuts down, or the client falls too far behind.',
          content: { 'text/event-stream': {
            // OpenAPI 3.1 has no schema for an event stream's items: the text, and the entry each `data:` holds
            schema: { type: 'string', description: 'Events; each `data:` is one LedgerEntry (`#/components/schemas/LedgerEntry`).' },
          } },
        },
        '400': responseRef('BadRequest'),
        '500': responseRef('InternalError'),
      },
    },
  },
};
