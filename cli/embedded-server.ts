import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { createOtlpReceiver, type OtlpReceiver } from '../collector/receiver/otlp-http-receiver.js';
import { createPricing } from '../collector/pricing/pricing.js';
import { createInProcessQueue } from '../collector/queue/in-process-queue.js';
import type { JobQueue } from '../collector/queue/job-queue.js';
import { createSqliteStore, type SqliteStore } from '../exporters/sqlite/sqlite-store.js';
import { createQueryApi, type QueryApi } from '../query-api/query-api.js';
import { createAuthenticator } from '../auth/authenticator.js';
import { bootstrapCredentials } from '../auth/bootstrap.js';
import { createJwtVerifier } from '../auth/jwt-verifier.js';
import { loadPepper } from '../auth/pepper.js';

export interface RunningServer {
  store: SqliteStore;
  queue: JobQueue;
  receiver: OtlpReceiver;
  api: QueryApi;
  /** Reverse order of start: HTTP → receiver → queue drain → store. */
  close(): Promise<void>;
}

export interface EmbeddedServerOptions {
  /** `inline` lets tests run the server from TypeScript sources (no worker-thread file). */
  storeWriter?: 'thread' | 'inline';
  /** How long shutdown waits for accepted spans to be written. */
  drainTimeoutMs?: number;
  /** Where a generated bootstrap key is shown (default: stderr). */
  announce?: (text: string) => void;
}

/** The embedded default: receiver + in-process queue + SQLite + query API in one process. */
export async function startEmbeddedServer(config: Config, logger: Logger, options: EmbeddedServerOptions = {}): Promise<RunningServer> {
  const file = join(resolve(config.data_dir), 'ledger.db');
  const store = await createSqliteStore({ file, synchronous: config.sqlite.synchronous, writer: options.storeWriter ?? 'thread' });
  const queue = createInProcessQueue({
    store,
    logger: logger.child({ component: 'queue' }),
    maxBytes: config.queue.max_bytes,
    batchMaxRows: config.queue.batch_max_rows,
    ackTimeoutMs: config.queue.ack_timeout_ms,
    retryAfterSeconds: config.queue.retry_after_seconds,
  });
  await queue.start();
  const pepper = loadPepper(config.auth.key_pepper, resolve(config.data_dir));
  await bootstrapCredentials(
    store,
    pepper,
    {
      organizationId: config.organization_id,
      bootstrapKey: config.auth.bootstrap_key,
      announce: options.announce ?? ((text) => process.stderr.write(text)),
    },
    logger,
  );
  const authenticator = createAuthenticator({
    store,
    pepper,
    jwt: createJwtVerifier(config.auth.jwt),
    cacheSeconds: config.auth.key_cache_seconds,
    anonymousOrganization: config.auth.required ? null : config.organization_id,
  });
  const receiver = createOtlpReceiver({
    host: config.host,
    port: config.otlp_port,
    queue,
    pricing: createPricing({ overridesFile: config.pricing.overrides_file }),
    logger: logger.child({ component: 'receiver' }),
    bodyLimits: { maxBodyBytes: config.otlp.max_body_bytes, maxDecompressedBytes: config.otlp.max_decompressed_bytes },
    decodeLimits: { maxAttributeValueBytes: config.otlp.max_attribute_value_bytes, maxNestingDepth: config.otlp.max_json_depth },
    maxJsonDepth: config.otlp.max_json_depth,
    authenticator,
    credentialHeader: config.auth.otlp_header,
  });
  const api = createQueryApi({
    host: config.host,
    port: config.http_port,
    store,
    logger: logger.child({ component: 'query-api' }),
    authenticator,
    readiness: [
      { name: 'store', check: () => store.ping() },
      { name: 'queue', check: () => queue.ping() },
    ],
  });
  await receiver.start();
  await api.start();
  logger.info(
    { otlp: `http://${config.host}:${receiver.port()}/v1/traces`, api: `http://${config.host}:${api.port()}/api/v1/ledger`, db: file },
    'agent-ledger listening',
  );

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await api.close();
      await receiver.close();
      const drained = await Promise.race([
        queue.close().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), options.drainTimeoutMs ?? 30_000).unref()),
      ]);
      if (!drained) logger.warn('queue not drained before the timeout; unacknowledged spans will be resent by their senders');
      await store.close();
      logger.info('agent-ledger stopped');
    })());
  return { store, queue, receiver, api, close };
}
