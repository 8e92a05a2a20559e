import { MAX_SAVED_SEARCHES_PER_ORGANIZATION } from '../../exporters/saved-search-store.js';
import { listSearchesShape, SAVE_SEARCH_EXAMPLE, saveSearchBody, searchExportShape, searchResultsShape } from '../routes/searches-routes.js';
import { timestamp, uuid } from './common-schemas.js';
import { ledgerPaths } from './ledger-paths.js';
import type { PathItem, Reference, Response, Schema } from './openapi-types.js';
import { nullable, parameterRef, responseRef, schemaRef, type SchemaName } from './refs.js';
import { bodySchema, queryParameters } from './zod-openapi.js';

const json = (description: string, name: SchemaName): Response => ({ description, content: { 'application/json': { schema: schemaRef(name) } } });
const errors = (...names: Array<'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound'>): Record<string, Reference> => {
  const status = { BadRequest: '400', Unauthorized: '401', Forbidden: '403', NotFound: '404' } as const;
  return Object.fromEntries([...names.map((n) => [status[n], responseRef(n)]), ['500', responseRef('InternalError')]]);
};

export const saveSearchSchema: Schema = { ...bodySchema(saveSearchBody), examples: [SAVE_SEARCH_EXAMPLE] };

export const savedSearchSchema: Schema = {
  type: 'object',
  properties: {
    id: uuid('The saved search\'s id.'),
    organization_id: { type: 'string', description: 'The organization it belongs to and is shared within.' },
    name: { type: 'string' },
    description: nullable({ type: 'string' }),
    query: { type: 'string', description: 'The expression as stored: an email address in it replaced by the organization\'s pseudonym (`"[EMAIL:<hex>]"`); parsed again at each run.' },
    filters: { type: 'object', additionalProperties: { type: 'string' }, description: 'The other ledger parameters it runs with, as query-string text.' },
    owner: {
      type: 'object',
      description: 'Who saved it: the credential\'s user, else the credential.',
      properties: {
        actor_type: { type: 'string', enum: ['user', 'api_key', 'jwt', 'system'] },
        actor_id: nullable({ type: 'string', description: 'The user id, API key id or token subject.' }),
      },
      required: ['actor_type', 'actor_id'],
      additionalProperties: false,
    },
    created_at: timestamp('When it was saved.'),
  },
  required: ['id', 'organization_id', 'name', 'description', 'query', 'filters', 'owner', 'created_at'],
  additionalProperties: false,
};

export const savedSearchPageSchema: Schema = {
  type: 'object',
  properties: { data: { type: 'array', items: schemaRef('SavedSearch') }, pagination: schemaRef('Pagination') },
  required: ['data', 'pagination'],
  additionalProperties: false,
};

const id = [parameterRef('SearchIdPath')];
const ledgerExport = ledgerPaths['/api/v1/ledger/export'].get!;

/** Saved searches: saved, listed, read, deleted, and run by id as a ledger page or an export. */
export const searchesPaths: Record<string, PathItem> = {
  '/api/v1/searches': {
    get: {
      operationId: 'listSavedSearches',
      tags: ['searches'],
      summary: 'List saved searches',
      description: 'Every saved search of the caller\'s organization, whoever saved it, newest first.',
      parameters: queryParameters(listSearchesShape),
      responses: { '200': json('A page of saved searches.', 'SavedSearchPage'), ...errors('BadRequest') },
    },
    post: {
      operationId: 'saveSearch',
      tags: ['searches'],
      summary: 'Save a search',
      description:
        'Needs the `admin` scope. The query and filters are checked as GET /api/v1/ledger checks them (an error names `query` and the column, or ' +
        'the filter), then stored as text with every email address in `query`, `filters.q`, `filters.search`, the name and the description replaced by the ' +
        'organization\'s pseudonym, as the ledger holds it (the answer shows the stored text; a superuser\'s query holding an address is a 400). ' +
        `The caller's credential (its user, else the key) owns it. At most ${MAX_SAVED_SEARCHES_PER_ORGANIZATION} ` +
        'per organization; a body past 64 KiB is a 413. Takes no query parameters.',
      requestBody: { description: 'The search.', required: true, content: { 'application/json': { schema: schemaRef('SaveSearch') } } },
      responses: { '201': json('The saved search.', 'SavedSearch'), ...errors('BadRequest', 'Forbidden') },
    },
  },
  '/api/v1/searches/{search_id}': {
    parameters: id,
    get: {
      operationId: 'getSavedSearch',
      tags: ['searches'],
      summary: 'Get a saved search',
      description: 'Another organization\'s search is a 404. Takes no query parameters.',
      responses: { '200': json('The saved search.', 'SavedSearch'), ...errors('BadRequest', 'NotFound') },
    },
    delete: {
      operationId: 'deleteSavedSearch',
      tags: ['searches'],
      summary: 'Delete a saved search',
      description:
        'Needs the `admin` scope, and to be its owner or an organization admin (role `admin`; a key of role `user` deletes only its own: else a 403). ' +
        'Another organization\'s search is a 404. Takes no query parameters.',
      responses: { '200': json('The deleted search.', 'SavedSearch'), ...errors('BadRequest', 'Forbidden', 'NotFound') },
    },
  },
  '/api/v1/searches/{search_id}/results': {
    parameters: id,
    get: {
      operationId: 'runSavedSearch',
      tags: ['searches'],
      summary: 'Run a saved search',
      description:
        'The ledger page GET /api/v1/ledger answers for the saved `query` and filters, with this request\'s paging and sort: the same checks, cursor ' +
        'and shape. It runs with the caller\'s access scope (a user key sees only its own entries, whoever saved the search) and the caller ' +
        'organization\'s pseudonyms; relative times are relative to the first page (a cursor keeps that instant). A saved query a later release no longer accepts is a 400 naming `query`.',
      parameters: queryParameters(searchResultsShape),
      responses: { '200': json('A page of the matching entries.', 'LedgerPage'), ...errors('BadRequest', 'NotFound') },
    },
  },
  '/api/v1/searches/{search_id}/export': {
    parameters: id,
    get: {
      operationId: 'exportSavedSearch',
      tags: ['searches'],
      summary: 'Export a saved search',
      description:
        'Needs the `export` scope, on the export rate-limit class. GET /api/v1/ledger/export of the saved `query` and filters, with the caller\'s ' +
        'scope, as a file download.',
      parameters: queryParameters(searchExportShape),
      responses: { ...ledgerExport.responses, '404': responseRef('NotFound') },
    },
  },
};
