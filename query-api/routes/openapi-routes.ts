import { openApiDocument } from '../openapi/document.js';
import { parseQuery } from '../query-params.js';
import { PUBLIC, type ApiRouter } from '../route-access.js';

/** The document takes no parameters; like every strict route, it refuses any. */
export const openApiShape = {};

/** GET /api/v1/openapi.json: the OpenAPI 3.1 document of this API, serialised once. */
export function openApiRoutes(router: ApiRouter): void {
  const body = JSON.stringify(openApiDocument);
  router.get('/api/v1/openapi.json', PUBLIC, (ctx) => {
    parseQuery(ctx.query, openApiShape);
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = body;
  });
}
