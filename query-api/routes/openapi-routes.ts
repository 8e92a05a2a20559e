import Router from '@koa/router';
import { openApiDocument } from '../openapi/document.js';
import { parseQuery } from '../query-params.js';

/** The document takes no parameters; like every strict route, it refuses any. */
export const openApiShape = {};

/** GET /api/v1/openapi.json: the OpenAPI 3.1 document of this API, serialised once. */
export function openApiRoutes(): Router {
  const router = new Router();
  const body = JSON.stringify(openApiDocument);
  router.get('/api/v1/openapi.json', (ctx) => {
    parseQuery(ctx.query, openApiShape);
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = body;
  });
  return router;
}
