import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createAuthenticator, type Authenticator } from '../auth/authenticator.js';
import { createRateLimiter, type RateLimiter } from '../auth/rate-limit/index.js';
import { bootstrapCredentials } from '../auth/bootstrap.js';
import { createJwtVerifier } from '../auth/jwt-verifier.js';
import { loadPepper } from '../auth/pepper.js';
import type { Config } from '../config/index.js';
import { createPricing } from '../collector/pricing/pricing.js';
import { createBullMqQueue } from '../collector/queue/bullmq-queue.js';
import { createIngestWorker, type IngestWorker } from '../collector/queue/bullmq-worker.js';
import { createInProcessQueue } from '../collector/queue/in-process-queue.js';
import { DEAD_LETTER_DIR, DeadLetterDir } from '../collector/queue/dead-letter-dir.js';
import type { JobQueue } from '../collector/queue/job-queue.js';
import { createOtlpReceiver, type OtlpReceiver } from '../collector/receiver/otlp-http-receiver.js';
import { createOtlpGrpcReceiver, GRPC_LOGS_EXPORT, GRPC_TRACE_EXPORT, type OtlpGrpcReceiver } from '../collector/receiver/otlp-grpc-receiver.js';
import { createExportHandler, createTraceExport, type OtlpPipelineOptions } from '../collector/receiver/otlp-export.js';
import { createLogsIngest } from '../collector/receiver/otlp-logs.js';
import { compileRedactionRules } from '../collector/redact/index.js';
import { NO_AGENTS } from '../exporters/agent-store.js';
import { createStore } from '../exporters/create-store.js';
import type { Store } from '../exporters/store.js';
import { createQueryApi, type QueryApi } from '../query-api/query-api.js';
import { createBullMqDepthReader, type BullMqDepthReader } from '../collector/queue/bullmq-depth.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { createMetricsServer, type MetricsServer } from '../observability/metrics-server.js';
import type { ReadinessCheck } from '../observability/readiness.js';
import { createRequestLog } from '../observability/request-log.js';
import { startRetentionTimer } from './retention-timer.js';

import type { ServerRole } from './role-names.js';

export { ROLES, type ServerRole } from './role-names.js';

export interface RunningServer {
  store: Store;
  queue: JobQueue | null;
  worker: IngestWorker | null;
  receiver: OtlpReceiver | null;
  /** OTLP/gRPC; null when otlp_grpc_port is 0 or the role takes no OTLP. */
  grpcReceiver: OtlpGrpcReceiver | null;
  api: QueryApi | null;
  /** This server's own registry (prom-client's global one is never used). */
  metrics: Metrics;
  /** The /metrics, /healthz, /readyz listener; null when metrics_port is 0. */
  metricsServer: MetricsServer | null;
  /** Reverse order of start: HTTP → receiver → queue drain → worker → store. */
  close(): Promise<void>;
}

export interface RoleOptions {
  /** `inline` lets tests run the server from TypeScript sources (no worker-thread file). */
  storeWriter?: 'thread' | 'inline';
  /** How long shutdown waits for accepted spans to be written. */
  drainTimeoutMs?: number;
  /** Where a generated bootstrap key is shown (default: stderr). */
  announce?: (text: string) => void;
}

export class RoleError extends Error {}

/**
 * Starts one role, or all of them in one process. Without Redis, `all` is the
 * embedded default (in-process queue); with `redis_url`, receivers enqueue to
 * BullMQ and workers write, in any number of processes.
 */
export async function startRole(role: ServerRole, config: Config, logger: Logger, options: RoleOptions = {}): Promise<RunningServer> {
  const redisUrl = config.redis_url;
  if ((role === 'receiver' || role === 'worker') && !redisUrl) {
    throw new RoleError(`the ${role} role runs apart from the others through Redis: set REDIS_URL`);
  }
  const dataDir = resolve(config.data_dir);
  const writes = role === 'all' || role === 'worker';
  // Elasticsearch when elasticsearch_url is set, else SQLite in data_dir; roles that never write entries open no writer (one process writes partitions)
  const storeLogger = logger.child({ component: 'store' });
  const store = await createStore(config, { writer: writes ? (options.storeWriter ?? 'thread') : 'none', log: (message) => storeLogger.info(message) });
  // Roles that take requests hash keys and redact; both secrets come from config or the data directory.
  const pepper = role !== 'worker' ? loadPepper(config.auth.key_pepper, dataDir) : null;
  let redaction = null;
  try {
    if (pepper !== null && config.redaction.enabled) {
      redaction = compileRedactionRules(config.redaction, {
        defaultPseudonymSecret: pepper,
        maxJsonDepth: config.otlp.max_json_depth,
      });
    }
  } catch (err) {
    await store.close();
    throw new RoleError(`invalid configuration: redaction: ${(err as Error).message}`);
  }
  // retention runs where entries are written, so one process per deployment sweeps (or a few, harmlessly)
  const sweeps = writes && config.retention.sweep_interval_seconds > 0;
  // a store without agents has no retention sweep: said loudly once, never silently keeping data past retention
  if (sweeps && !store.agents) logger.child({ component: 'retention' }).error(`retention sweep not running: ${NO_AGENTS}`);
  const retention =
    sweeps && store.agents
      ? startRetentionTimer(
          store.agents,
          { intervalSeconds: config.retention.sweep_interval_seconds, batchSize: config.retention.sweep_batch_size },
          logger.child({ component: 'retention' }),
        )
      : null;

  let queue: JobQueue | null = null;
  let worker: IngestWorker | null = null;
  let receiver: OtlpReceiver | null = null;
  let grpcReceiver: OtlpGrpcReceiver | null = null;
  let api: QueryApi | null = null;
  let authenticator: Authenticator | null = null;
  let rateLimiter: RateLimiter | null = null;
  const metrics = createMetrics();
  const sampleRate = config.log.request_sample_rate;
  // every role that talks to Redis reads the shared queue's depth and answers for Redis in /readyz
  const redisReader: BullMqDepthReader | null = redisUrl
    ? createBullMqDepthReader({ redisUrl, prefix: config.queue.prefix, logger: logger.child({ component: 'metrics' }) })
    : null;

  if (pepper !== null) {
    const announce = options.announce ?? ((text: string) => process.stderr.write(text));
    await bootstrapCredentials(store.credentials, pepper, { organizationId: config.organization_id, bootstrapKey: config.auth.bootstrap_key, announce }, logger);
    authenticator = createAuthenticator({
      store: store.credentials,
      pepper,
      jwt: createJwtVerifier(config.auth.jwt),
      cacheSeconds: config.auth.key_cache_seconds,
      anonymousOrganization: config.auth.required ? null : config.organization_id,
    });
    rateLimiter = createRateLimiter({ limits: config.rate_limits, redisUrl, logger: logger.child({ component: 'rate-limit' }) });
  }

  if (role === 'all' || role === 'receiver') {
    const queueLogger = logger.child({ component: 'queue' });
    queue = redisUrl
      ? createBullMqQueue({
          redisUrl,
          prefix: config.queue.prefix,
          logger: queueLogger,
          maxPendingJobs: config.queue.max_pending_jobs,
          retryAfterSeconds: config.queue.retry_after_seconds,
          attempts: config.queue.attempts,
          backoffMs: config.queue.backoff_ms,
        })
      : createInProcessQueue({
          store: store.ledger,
          deadLetters: new DeadLetterDir(join(dataDir, DEAD_LETTER_DIR)),
          logger: queueLogger,
          maxBytes: config.queue.max_bytes,
          batchMaxRows: config.queue.batch_max_rows,
          ackTimeoutMs: config.queue.ack_timeout_ms,
          retryAfterSeconds: config.queue.retry_after_seconds,
          metrics: metrics.store,
        });
    await queue.start();
  }
  if (redisUrl && (role === 'all' || role === 'worker')) {
    worker = createIngestWorker({
      redisUrl,
      prefix: config.queue.prefix,
      store: store.ledger,
      logger: logger.child({ component: 'worker' }),
      concurrency: config.queue.worker_concurrency,
      lockMs: config.queue.lock_ms,
      metrics: metrics.store,
    });
    await worker.start();
  }
  if (queue && authenticator && rateLimiter) {
    const receiverLogger = logger.child({ component: 'receiver' });
    const requestLog = createRequestLog(receiverLogger, sampleRate);
    // one pipeline behind both transports: the same limits, credentials and answers
    const pipeline: OtlpPipelineOptions = {
      redaction,
      queue,
      pricing: createPricing({ overridesFile: config.pricing.overrides_file }),
      logger: receiverLogger,
      decodeLimits: {
        maxAttributeValueBytes: config.otlp.max_attribute_value_bytes,
        maxNestingDepth: config.otlp.max_json_depth,
        maxNameBytes: config.otlp.max_name_bytes,
        maxSpanAgeDays: config.otlp.max_span_age_days,
        maxFutureSkewSeconds: config.otlp.max_future_skew_seconds,
      },
      maxJsonDepth: config.otlp.max_json_depth,
      authenticator,
      rateLimiter,
      metrics,
    };
    // each signal's export, served by both transports (a signal is createExportHandler(pipeline, itsIngest))
    const traces = createTraceExport(pipeline);
    const logs = createExportHandler(pipeline, createLogsIngest(pipeline));
    receiver = createOtlpReceiver({
      host: config.host,
      port: config.otlp_port,
      routes: [{ path: '/v1/traces', handler: traces }, { path: '/v1/logs', handler: logs }],
      logger: receiverLogger,
      bodyLimits: { maxBodyBytes: config.otlp.max_body_bytes, maxDecompressedBytes: config.otlp.max_decompressed_bytes },
      credentialHeader: config.auth.otlp_header,
      metrics,
      requestLog,
    });
    await receiver.start();
    if (config.otlp_grpc_port !== 0) {
      grpcReceiver = createOtlpGrpcReceiver({
        host: config.host,
        port: config.otlp_grpc_port,
        services: [{ path: GRPC_TRACE_EXPORT, handler: traces }, { path: GRPC_LOGS_EXPORT, handler: logs }],
        maxMessageBytes: config.otlp.max_body_bytes,
        credentialHeader: config.auth.otlp_header,
        logger: receiverLogger,
        metrics,
        requestLog,
      });
      try {
        await grpcReceiver.start();
      } catch (err) {
        await receiver.close();
        throw err;
      }
    }
  }
  if ((role === 'all' || role === 'query') && authenticator && rateLimiter) {
    const readiness = [{ name: 'store', check: () => store.ping() }];
    if (queue) readiness.push({ name: 'queue', check: () => queue!.ping() });
    if (grpcReceiver) readiness.push({ name: 'otlp_grpc', check: async () => grpcReceiver!.ready() });
    api = createQueryApi({
      host: config.host,
      port: config.http_port,
      ledger: store.ledger,
      searches: store.searches,
      // the deployment's pepper seals the stream's positions, so every query server accepts the others' ids
      stream: { tail: store.tail, settings: config.stream, secret: pepper ?? undefined },
      logger: logger.child({ component: 'query-api' }),
      authenticator,
      rateLimiter,
      readiness,
      agents: { agents: store.agents, redaction, maxMetadataBytes: config.agents.max_metadata_bytes },
      redaction,
      metrics,
      requestLog: createRequestLog(logger.child({ component: 'query-api' }), sampleRate),
    });
    await api.start();
  }
  const queueDepth = redisReader && role !== 'query' ? () => redisReader.depth() : queue?.depth?.bind(queue);
  if (queueDepth) metrics.observeQueue(queueDepth);
  let metricsServer: MetricsServer | null = null;
  if (config.metrics_port !== 0) {
    metricsServer = createMetricsServer({
      host: config.host,
      port: config.metrics_port,
      registry: metrics.registry,
      readiness: roleReadiness(store, queue, redisReader, grpcReceiver),
      logger: logger.child({ component: 'metrics' }),
    });
    await metricsServer.start();
  }
  logger.info(
    {
      role,
      queue: redisUrl ? 'bullmq' : queue ? 'in-process' : null,
      otlp: receiver ? `http://${config.host}:${receiver.port()}/v1/traces` : null,
      otlp_grpc: grpcReceiver ? `${config.host}:${grpcReceiver.port()}` : null,
      api: api ? `http://${config.host}:${api.port()}/api/v1/ledger` : null,
      worker: worker !== null,
      metrics: metricsServer ? `http://${config.host}:${metricsServer.port()}/metrics` : null,
      db: config.elasticsearch_url ? `elasticsearch (${config.elasticsearch.index_prefix}-*)` : join(dataDir, 'ledger.db'),
    },
    'agent-ledger listening',
  );

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await api?.close();
      await Promise.all([receiver?.close(), grpcReceiver?.close()]);
      if (queue) {
        const drained = await Promise.race([
          queue.close().then(() => true),
          new Promise<boolean>((r) => setTimeout(() => r(false), options.drainTimeoutMs ?? 30_000).unref()),
        ]);
        if (!drained) logger.warn('queue not drained before the timeout; unacknowledged spans will be resent by their senders');
      }
      await worker?.close();
      await metricsServer?.close();
      await redisReader?.close();
      await retention?.stop();
      await rateLimiter?.close();
      await store.close();
      logger.info('agent-ledger stopped');
    })());
  return { store, queue, worker, receiver, grpcReceiver, api, metrics, metricsServer, close };
}

/** What /readyz on the metrics port checks: the store, the queue (failing, full, shutting down), Redis, and the gRPC listener. */
function roleReadiness(store: Store, queue: JobQueue | null, redis: BullMqDepthReader | null, grpc: OtlpGrpcReceiver | null): ReadinessCheck[] {
  const checks: ReadinessCheck[] = [{ name: 'store', check: () => store.ping() }];
  if (queue) {
    checks.push({
      name: 'queue',
      check: async () => {
        const refusal = await queue.refusal();
        if (refusal) throw refusal;
        await queue.ping();
      },
    });
  }
  if (redis) checks.push({ name: 'redis', check: () => redis.ping() });
  if (grpc) checks.push({ name: 'otlp_grpc', check: async () => grpc.ready() });
  return checks;
}
