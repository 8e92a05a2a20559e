import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Context, Next } from 'koa';

/**
 * The investigator console (console/, built by `npm run build` into
 * dist/console): `GET /` is its page, `/console/assets/<hashed name>` its
 * scripts and styles. Every file is read into memory at start and looked up
 * by exact name, so no request path ever reaches the file system. The page
 * holds no data and no credential: it calls the API like any client.
 */

/** No inline script, no other origin, no framing; styles from files (style properties set through the DOM are not inline styles). */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
  cacheControl: string;
}

const ASSET_PREFIX = '/console/assets/';

/** Where the build writes: dist/console beside dist/query-api. */
export function defaultConsoleDir(): string {
  return fileURLToPath(new URL('../console/', import.meta.url));
}

/** The built console's files by URL path; null when the directory is not a build (no Vite manifest). */
export function loadConsole(dir: string): Map<string, Asset> | null {
  if (!existsSync(join(dir, '.vite/manifest.json')) || !existsSync(join(dir, 'index.html'))) return null;
  const assets = new Map<string, Asset>();
  const add = (path: string, file: string, cacheControl: string) => {
    const type = TYPES[extname(file)];
    if (!type) return;
    const body = readFileSync(file);
    assets.set(path, { type, body, gzip: gzipSync(body, { level: 9 }), cacheControl });
  };
  // the page names the current hashed files, so it is revalidated; a hashed file never changes
  add('/', join(dir, 'index.html'), 'no-cache');
  const assetDir = join(dir, 'assets');
  if (existsSync(assetDir)) {
    for (const name of readdirSync(assetDir)) add(ASSET_PREFIX + name, join(assetDir, name), 'public, max-age=31536000, immutable');
  }
  return assets;
}

/** Answers GET and HEAD of the console's paths; anything else goes on to the API's router. */
export function consoleMiddleware(assets: Map<string, Asset> | null) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const asset = assets && (ctx.method === 'GET' || ctx.method === 'HEAD') ? assets.get(ctx.path) : undefined;
    if (!asset) return next();
    ctx.set(SECURITY_HEADERS);
    ctx.set('Cache-Control', asset.cacheControl);
    ctx.set('Vary', 'Accept-Encoding');
    ctx.type = asset.type;
    if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
      ctx.set('Content-Encoding', 'gzip');
      ctx.body = asset.gzip;
    } else {
      ctx.body = asset.body;
    }
  };
}
