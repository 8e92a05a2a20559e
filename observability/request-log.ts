import type { Logger } from 'pino';
import { looksLikeJwt } from '../auth/credential-header.js';
import type { Principal } from '../auth/principal.js';

/** One request, as its log line says it: never the key, the payload or the query string. */
export interface RequestLogLine {
  method: string;
  /** The route template (`/api/v1/runs/:id`), never the URL. */
  route: string;
  status: number;
  /** OTLP/gRPC: the call's status (`OK`, `UNAVAILABLE`…); `status` is then HTTP/2's, always 200. */
  grpc_status?: string;
  duration_ms: number;
  bytes_in: number;
  bytes_out: number;
  /** An API key's visible prefix, or `jwt` / `anonymous`; null before authentication. */
  credential: string | null;
  organization: string | null;
  spans_accepted?: number;
  spans_rejected?: number;
  /** The client went away before the response was sent in full. */
  aborted?: true;
}

export type RequestLog = (line: RequestLogLine) => void;

/** gRPC statuses that say the server failed, as 5xx does for HTTP. */
export const GRPC_SERVER_FAULTS: ReadonlySet<string> = new Set(['UNKNOWN', 'DEADLINE_EXCEEDED', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS']);

/**
 * One info line per request, a `sampleRate` share of them (0..1); a request
 * answered with a 5xx (or a gRPC server fault) is always logged.
 */
export function createRequestLog(logger: Logger, sampleRate: number, random: () => number = Math.random): RequestLog {
  return (line) => {
    const fault = line.status >= 500 || (line.grpc_status !== undefined && GRPC_SERVER_FAULTS.has(line.grpc_status));
    if (!fault && !(sampleRate >= 1 || random() < sampleRate)) return;
    logger.info(line, 'request');
  };
}

/** How a request's credential is named in logs: a key by its visible prefix only. */
export function credentialName(principal: Principal | null): string | null {
  if (!principal) return null;
  return principal.kind === 'api_key' ? (principal.key_prefix ?? 'api_key') : principal.kind;
}

/** Why authentication failed, as a metric label (the authenticator's message may name more). */
export function authFailureReason(credential: string | null): 'missing_credential' | 'invalid_token' | 'invalid_key' {
  if (credential === null) return 'missing_credential';
  return looksLikeJwt(credential) ? 'invalid_token' : 'invalid_key';
}

export function elapsedMs(startNs: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - startNs) / 1e4) / 100;
}
