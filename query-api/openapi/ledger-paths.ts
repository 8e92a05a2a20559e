import { CSV_COLUMNS } from '../export/export-formats.js';
import { zeroBasedPageOf } from './common-schemas.js';
import { exportShape } from '../export/ledger-export.js';
import { ledgerShape } from '../routes/ledger-routes.js';
import { statsShape, timeseriesShape } from '../routes/stats-routes.js';
import type { PathItem, Reference, Schema } from './openapi-types.js';
import { responseRef, schemaRef } from './refs.js';
import { queryParameters } from './zod-openapi.js';

const seedPage = zeroBasedPageOf(schemaRef('LedgerEntry'), 'A page of ledger entries.');

/** The seed's page, plus the keyset cursor of the page after it; `page` is null on a cursor request (a keyset page does not know its number). */
export const ledgerPageSchema: Schema = {
  ...seedPage,
  properties: {
    ...seedPage.properties,
    page: {
      type: ['integer', 'null'],
      minimum: 0,
      description: 'The page asked for (0-indexed; a page past the end has an empty `data`); null when the page was asked for with `cursor`.',
    },
    next_cursor: {
      type: ['string', 'null'],
      description:
        'Opaque: pass it as `cursor`, with the same filters and sort, for the page after this one; null when no entry follows this page. ' +
        'Following cursors never re-walks earlier rows, so deep reading stays as fast as the first page.',
    },
  },
  required: [...(seedPage.required ?? []), 'next_cursor'],
};

const isoTime = (description: string): Schema => ({ type: 'string', format: 'date-time', description });
const bucketCount = (description: string): Schema => ({ type: 'integer', minimum: 0, description });

/** stats-routes.ts: GET /api/v1/ledger/stats/timeseries (store.ts TimeseriesBucket). */
const timeseriesSchema: Schema = {
  type: 'object',
  properties: {
    interval: { type: 'string', enum: ['hour', 'day'] },
    start: isoTime('The range\'s first µs (`start_date`, or its default).'),
    end: isoTime('The range\'s last µs (`end_date`, or now).'),
    buckets: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          start: isoTime('The bucket\'s first µs, UTC.'),
          count: bucketCount('Matching actions starting in the bucket (and in the range).'),
          cost_usd: { type: 'number', minimum: 0, description: 'Their total cost in USD.' },
          success_count: bucketCount('Of which succeeded.'),
          error_count: bucketCount('Of which failed.'),
          blocked_count: bucketCount('Of which were blocked.'),
        },
        required: ['start', 'count', 'cost_usd', 'success_count', 'error_count', 'blocked_count'],
        additionalProperties: false,
      },
    },
  },
  required: ['interval', 'start', 'end', 'buckets'],
  additionalProperties: false,
};

const errors: Record<string, Reference> = { '400': responseRef('BadRequest'), '500': responseRef('InternalError') };

/** GET /api/v1/ledger, /ledger/stats and /ledger/export, as ledger-api.txt specifies them. */
export const ledgerPaths: Record<string, PathItem> = {
  '/api/v1/ledger': {
    get: {
      operationId: 'listLedger',
      tags: ['ledger'],
      summary: 'Query the activity ledger',
      description:
        'The flat, chronological stream of every action, filtered, searched, sorted and paged. An invalid, unknown or repeated parameter is a 400 naming it. ' +
        'Page either by `page` (the seed\'s page numbers: a deep page walks past every row before it) or by `cursor` (each response\'s `next_cursor`: a seek, as fast at any depth). ' +
        '`count` and `total_pages` count every match either way.',
      parameters: queryParameters(ledgerShape),
      responses: {
        '200': { description: 'A page of entries.', content: { 'application/json': { schema: schemaRef('LedgerPage') } } },
        ...errors,
      },
    },
  },
  '/api/v1/ledger/stats': {
    get: {
      operationId: 'getLedgerStats',
      tags: ['ledger'],
      summary: 'Aggregate statistics',
      description: 'Counts and sums are exact for any date range; percentiles are approximate, within `percentiles_relative_error`.',
      parameters: queryParameters(statsShape),
      responses: {
        '200': { description: 'Statistics over the matching actions.', content: { 'application/json': { schema: schemaRef('LedgerStats') } } },
        ...errors,
      },
    },
  },
  '/api/v1/ledger/stats/timeseries': {
    get: {
      operationId: 'getLedgerTimeseries',
      tags: ['ledger'],
      summary: 'Statistics over time',
      description:
        'The stats\' counts per UTC hour or day: every bucket from the one holding `start_date` to the one holding `end_date`, empty ones as zeros, ' +
        'each counting the matching actions that start in it and in the range (so the edge buckets are partial, and exact). ' +
        'Left out, `start_date` is 24 hour buckets or 30 day buckets before `end_date`, and `end_date` is as many after `start_date` or now, whichever is earlier (now when both are left out). More than 1000 buckets is a 400 naming `start_date`. ' +
        'Same scopes and rate-limit class as /ledger/stats.',
      parameters: queryParameters(timeseriesShape),
      responses: {
        '200': { description: 'The buckets, oldest first.', content: { 'application/json': { schema: timeseriesSchema } } },
        ...errors,
      },
    },
  },
  '/api/v1/ledger/export': {
    get: {
      operationId: 'exportLedger',
      tags: ['ledger'],
      summary: 'Export the ledger',
      description:
        'Every matching entry, newest first (then id), at most `limit`, streamed as a file download (`Content-Disposition: attachment`). ' +
        'Parameters are checked before the first byte; a failure after it can only cut the stream short. ' +
        'With `cursor` (a ledger page\'s `next_cursor` made with `sort_by=timestamp&sort_order=desc` and the same filters) the export starts after that page. ' +
        'To continue an export cut at `limit`, ask again with `end_date` set to the last row\'s `timestamp`: it is inclusive, so rows of that microsecond come again (drop the ids already received) and none is missed.',
      parameters: queryParameters(exportShape),
      responses: {
        '200': {
          description: 'The file, in the asked `format`.',
          headers: {
            'Content-Disposition': { description: '`attachment; filename="ledger-export-<time>.<format>"`', schema: { type: 'string' } },
          },
          content: {
            // Sequential JSON in OpenAPI 3.1 (the OAS media type registry): `schema` models the lines as if they were a JSON array.
            'application/x-ndjson': {
              schema: { type: 'array', items: schemaRef('LedgerEntry'), description: '`format=jsonl` (the default): one LedgerEntry JSON object a line.' },
            },
            'application/json': { schema: { type: 'array', items: schemaRef('LedgerEntry'), description: '`format=json`: one JSON array of LedgerEntry.' } },
            'text/csv': {
              schema: {
                type: 'string',
                description:
                  `\`format=csv\`: RFC 4180 with a header row, columns ${CSV_COLUMNS.map((c) => `\`${c}\``).join(', ')}. ` +
                  'Objects and arrays are JSON text; null is an empty cell; a text cell starting with = + - @, tab or CR is prefixed with `\'` against CSV injection.',
              },
              example: `${CSV_COLUMNS.join(',')}\r\n`,
            },
          },
        },
        ...errors,
      },
    },
  },
};
