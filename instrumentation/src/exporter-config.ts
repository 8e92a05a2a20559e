/** Where spans go and with which headers: options first, then the standard OTLP variables, then the local receiver. */

/** The embedded server's receiver; 127.0.0.1 rather than localhost, which may resolve to ::1 where nothing listens. */
export const DEFAULT_TRACES_URL = 'http://127.0.0.1:4318/v1/traces';

/** Read when init() is given no apiKey. */
export const API_KEY_ENV = 'AGENT_LEDGER_API_KEY';

type Env = Record<string, string | undefined>;

/**
 * The traces URL. An `endpoint` option is a base URL (as
 * OTEL_EXPORTER_OTLP_ENDPOINT is), `/v1/traces` appended unless already
 * there. Else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else
 * OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`, else the local receiver.
 */
export function resolveTracesUrl(endpoint: string | undefined, env: Env = process.env): string {
  if (endpoint?.trim()) return withTracesPath(endpoint.trim());
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${base.replace(/\/+$/, '')}/v1/traces`;
  return DEFAULT_TRACES_URL;
}

function withTracesPath(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

/**
 * Headers set in code. The exporter merges OTEL_EXPORTER_OTLP_HEADERS /
 * OTEL_EXPORTER_OTLP_TRACES_HEADERS under them, so a key given only through
 * those variables still works.
 */
export function resolveHeaders(apiKey: string | undefined, headers: Record<string, string> = {}, env: Env = process.env): Record<string, string> {
  const key = apiKey ?? env[API_KEY_ENV];
  return key ? { ...headers, Authorization: `Bearer ${key}` } : { ...headers };
}

/** True when some credential will be sent: in code, or in the OTLP header variables. */
export function hasCredential(headers: Record<string, string>, env: Env = process.env): boolean {
  if (Object.keys(headers).some((h) => h.toLowerCase() === 'authorization' || h.toLowerCase() === 'x-api-key')) return true;
  const fromEnv = `${env.OTEL_EXPORTER_OTLP_HEADERS ?? ''},${env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? ''}`.toLowerCase();
  return /(^|,)\s*(authorization|x-api-key)\s*=/.test(fromEnv);
}
