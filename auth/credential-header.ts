import type { IncomingHttpHeaders } from 'node:http';

/**
 * The credential of a request: `Authorization: Bearer <token>` or, as the
 * ledger seed shows for API keys, `Authorization: <key>`; OTLP exporters may
 * send it in a header of their own instead (`extraHeader`).
 */
export function credentialFrom(headers: IncomingHttpHeaders, extraHeader?: string): string | null {
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const bearer = /^bearer\s+(.+)$/i.exec(authorization);
    return (bearer ? bearer[1] : authorization).trim() || null;
  }
  if (extraHeader) {
    const value = headers[extraHeader.toLowerCase()];
    const first = Array.isArray(value) ? value[0] : value;
    if (first?.trim()) return first.trim();
  }
  return null;
}

/** A compact JWS has three base64url parts; API keys never contain dots. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
