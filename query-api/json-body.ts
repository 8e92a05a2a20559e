import type { Context } from 'koa';
import { ApiError, validationError } from './api-error.js';

/**
 * The JSON body of a request, read with a cap (a larger body is a 413 before
 * it is buffered whole). The body must be sent as application/json; anything
 * else, or JSON that does not parse, is a 400 VALIDATION_ERROR.
 */
export async function readJsonBody(ctx: Context, maxBytes: number): Promise<unknown> {
  const type = (ctx.get('content-type') || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw validationError(`the body must be JSON, sent with Content-Type: application/json (got ${type || 'none'})`);
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > maxBytes) ctx.set('Connection', 'close');
  if (declared > maxBytes) throw new ApiError(413, 'VALIDATION_ERROR', `the body is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      // answered without reading the rest; the connection is not reused
      ctx.set('Connection', 'close');
      throw new ApiError(413, 'VALIDATION_ERROR', `the body is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw validationError('the body is empty; send a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw validationError(`the body is not valid JSON: ${(err as Error).message}`);
  }
}
