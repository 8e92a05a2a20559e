import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/index.js';
import type { ServerRole } from './role-names.js';

export interface SelfTracing {
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

const TRACES_PATH = '/v1/traces';

/** The URL spans are posted to: the endpoint's path + /v1/traces, unless it already ends so. */
export function tracesUrl(endpoint: string): URL {
  const url = new URL(endpoint);
  if (!url.pathname.replace(/\/+$/, '').endsWith(TRACES_PATH)) url.pathname = url.pathname.replace(/\/+$/, '') + TRACES_PATH;
  return url;
}

/** Loopback and the unspecified address (a connection to it reaches this host); IPv4 mapped into IPv6 is checked as IPv4. */
const THIS_HOST = new BlockList();
THIS_HOST.addSubnet('127.0.0.0', 8, 'ipv4');
THIS_HOST.addSubnet('0.0.0.0', 8, 'ipv4');
THIS_HOST.addAddress('::1', 'ipv6');
THIS_HOST.addAddress('::', 'ipv6');

export function isLoopbackOrUnspecified(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && THIS_HOST.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.add(i.address.toLowerCase().split('%')[0]);
  return out;
}

/**
 * Whether `url` reaches the OTLP receiver this process is about to bind on
 * `port`: the same port at a name or address of this host. Names are
 * resolved (an unresolvable one is not ours yet: the exporter retries it).
 */
export async function reachesOwnReceiver(url: URL, port: number, resolve: (host: string) => Promise<string[]> = resolveAll): Promise<boolean> {
  const targetPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (targetPort !== port) return false;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  const addresses = isIP(host) ? [host] : await resolve(host).catch(() => []);
  const local = localAddresses();
  return addresses.some((a) => isLoopbackOrUnspecified(a) || local.has(a.toLowerCase()));
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((r) => r.address);
}

/**
 * Starts exporting the ledger's own spans when self_tracing.endpoint is set;
 * the SDK is loaded only then. Refuses (ConfigError) an endpoint that is
 * this process's own OTLP receiver: every export would be ingested, traced
 * and exported again.
 */
export async function startSelfTracing(config: Config, role: ServerRole, logger: Logger): Promise<SelfTracing | null> {
  const { endpoint, headers, sample_ratio: ratio } = config.self_tracing;
  if (endpoint === null) return null;
  const url = tracesUrl(endpoint);
  const receives = role === 'all' || role === 'receiver';
  if (receives && (await reachesOwnReceiver(url, config.otlp_port))) {
    throw new ConfigError(
      `invalid configuration: self_tracing.endpoint: ${url.origin} is this process's own OTLP receiver (otlp_port ${config.otlp_port}); ` +
        'its traces would be ingested, traced and exported again: send them to another collector',
    );
  }
  const [api, { AsyncLocalStorageContextManager }, { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-proto'),
      import('@opentelemetry/resources'),
    ]);
  // Only our own hooks make spans: no HTTP instrumentation is loaded, so the exporter's requests are never traced.
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'agent-ledger', 'agent_ledger.role': role }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: url.href, headers }))],
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(provider);
  api.diag.setLogger(
    { error: (m) => logger.warn({ component: 'self-tracing' }, m), warn: (m) => logger.warn({ component: 'self-tracing' }, m), info: () => {}, debug: () => {}, verbose: () => {} },
    api.DiagLogLevel.WARN,
  );
  logger.info({ endpoint: url.origin + url.pathname, sample_ratio: ratio }, 'self-tracing on');
  return {
    async shutdown() {
      await provider.shutdown().catch((err: Error) => logger.warn({ err: err.message }, 'self-tracing: last export failed'));
    },
  };
}
