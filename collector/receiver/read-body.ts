import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

export interface BodyLimits {
  /** Bytes on the wire (compressed or not). */
  maxBodyBytes: number;
  /** Bytes after gunzip. */
  maxDecompressedBytes: number;
}

/**
 * Reads a request body, gunzipping if asked, and stops at the caps instead of
 * buffering whatever arrives (a gzip bomb ends at the limit, as a 413).
 */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
  if (encoding !== 'gzip' && encoding !== 'identity') {
    return Promise.reject(new BodyError(415, `Content-Encoding ${encoding} is not supported (use gzip or none)`));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
    return Promise.reject(new BodyError(413, `body of ${declared} bytes exceeds the ${limits.maxBodyBytes}-byte limit`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wire = 0;
    let size = 0;
    let done = false;
    const fail = (err: Error) => {
      if (done) return;
      done = true;
      req.unpipe();
      req.resume();
      gunzip?.destroy();
      reject(err);
    };
    const collect = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxDecompressedBytes) {
        fail(new BodyError(413, `decompressed body exceeds the ${limits.maxDecompressedBytes}-byte limit`));
        return;
      }
      chunks.push(chunk);
    };
    const finish = () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    };
    req.on('data', (chunk: Buffer) => {
      wire += chunk.length;
      if (wire > limits.maxBodyBytes) fail(new BodyError(413, `body exceeds the ${limits.maxBodyBytes}-byte limit`));
    });
    req.on('error', fail);
    req.on('close', () => {
      if (!req.complete) fail(new BodyError(400, 'request aborted before its body ended'));
    });
    const gunzip = encoding === 'gzip' ? createGunzip() : null;
    if (gunzip) {
      gunzip.on('data', collect);
      gunzip.on('end', finish);
      gunzip.on('error', (err) => fail(new BodyError(400, `body is not valid gzip: ${err.message}`)));
      req.pipe(gunzip);
    } else {
      req.on('data', collect);
      req.on('end', finish);
    }
  });
}
