/** Where spans go, how and with which headers: options first, then the standard OTLP variables, then the local receiver. */

/** The embedded server's receivers; 127.0.0.1 rather than localhost, which may resolve to ::1 where nothing listens. */
export const DEFAULT_TRACES_URL = 'http://127.0.0.1:4318/v1/traces';
export const DEFAULT_GRPC_URL = 'http://127.0.0.1:4317';

/** Read when init() is given no apiKey. */
export const API_KEY_ENV = 'AGENT_LEDGER_API_KEY';

type Env = Record<string, string | undefined>;

/** The OTLP transports of the exporter specification; `http/protobuf` is its default. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * The `protocol` option, else OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else
 * OTEL_EXPORTER_OTLP_PROTOCOL, else `http/protobuf`. An unknown value is an
 * error naming where it came from: guessing a transport would only lose spans.
 */
export function resolveProtocol(option: string | undefined, env: Env = process.env): OtlpProtocol {
  const sources: Array<[string, string | undefined]> = [
    ['the protocol option', option],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', env.OTEL_EXPORTER_OTLP_PROTOCOL],
  ];
  for (const [source, raw] of sources) {
    const value = raw?.trim();
    if (!value) continue;
    if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
    throw new Error(`agent-ledger: ${source} is ${JSON.stringify(raw)}; expected one of ${OTLP_PROTOCOLS.join(', ')}`);
  }
  return 'http/protobuf';
}

/**
 * The traces URL. Over HTTP an `endpoint` option is a base URL (as
 * OTEL_EXPORTER_OTLP_ENDPOINT is), `/v1/traces` appended unless already
 * there; else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is, else
 * OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`, else the local receiver.
 * gRPC has no path: every source is taken as it is, else the local port 4317.
 */
export function resolveTracesUrl(endpoint: string | undefined, protocol: OtlpProtocol = 'http/protobuf', env: Env = process.env): string {
  const option = endpoint?.trim();
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (protocol === 'grpc') return (option || specific || base || DEFAULT_GRPC_URL).replace(/\/+$/, '');
  if (option) return withTracesPath(option);
  if (specific) return specific;
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
