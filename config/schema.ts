import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
/** index.number_of_shards: Elasticsearch refuses more than 1024 primaries in one index. */
const shardCount = positiveInt.max(1024);
const replicaCount = z.coerce.number().int().min(0);

/**
 * Highest `otlp.max_attribute_value_bytes`: redaction's regular expressions
 * overflow V8's stack on values of about 10 MB (card numbers, PEM keys, `sk-`
 * keys); measured safe up to 4 MiB, so 1 MiB leaves a margin of four.
 */
export const MAX_ATTRIBUTE_VALUE_BYTES_LIMIT = 1024 * 1024;

/** Built-in redaction detectors and default allow list (config imports nothing of ours: kept equal by tests/unit/redact-config.test.ts). */
const REDACTION_DETECTORS = [
  'private_key', 'jwt', 'anthropic_api_key', 'openai_api_key', 'aws_access_key_id', 'aws_secret_access_key', 'github_token',
  'gitlab_token', 'slack_token', 'stripe_key', 'google_api_key', 'url_password', 'bearer_token', 'basic_auth',
  'password_assignment', 'secret_assignment', 'email', 'card_number',
] as const;
const REDACTION_ALLOW_ATTRIBUTES = [
  'gen_ai.operation.name', 'gen_ai.provider.name', 'gen_ai.system', 'gen_ai.request.model', 'gen_ai.response.model',
  'gen_ai.response.id', 'gen_ai.response.finish_reasons', 'gen_ai.tool.name', 'gen_ai.tool.call.id', 'llm.model_name',
  'llm.system', 'llm.provider', 'openinference.span.kind', 'ai.model.id', 'ai.model.provider', 'langfuse.observation.type',
  'traceloop.span.kind', 'service.name', 'service.version', 'telemetry.sdk.*',
];
/** Secret-bearing key names (collector/redact/secret-keys.ts DEFAULT_SECRET_KEYS, kept equal by tests/unit/redact-rules.test.ts). */
const REDACTION_SECRET_KEYS = [
  'password', 'passwd', 'passphrase', 'secret', 'secrets', 'token', 'api_key', 'apikey', 'access_key', 'secret_key',
  'private_key', 'signing_key', 'encryption_key', 'master_key', 'authorization', 'cookie', 'cookies', 'credential',
  'credentials', 'jwt',
];
/** What a detector's finds become; both spellings of pseudonymise are taken (collector/redact/redaction-config.ts). */
const redactionAction = z.enum(['redact', 'pseudonymize', 'pseudonymise', 'keep']);
/** true/false from YAML, or "true"/"false"/"1"/"0" from the environment (z.coerce.boolean would take "false" as true). */
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'], { message: 'expected true or false' })])
  .transform((v) => v === true || v === 'true' || v === '1');

/**
 * The whole configuration. Every leaf can be set in the YAML file (snake_case
 * path) or by an environment variable: AGENT_LEDGER_ + the path joined by "_",
 * upper-cased (e.g. otlp.max_body_bytes → AGENT_LEDGER_OTLP_MAX_BODY_BYTES).
 */
export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    http_port: port.default(8080),
    otlp_port: port.default(4318),
    /** OTLP/gRPC (TraceService/Export) on `host`; 0 turns it off. */
    otlp_grpc_port: port.default(4317),
    /** GET /metrics (Prometheus), /healthz and /readyz on every role, on `host`; 0 turns the listener off. */
    metrics_port: port.default(9464),
    data_dir: z.string().min(1).default('./data'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    log: z
      .object({
        /** Share of query-API and OTLP requests logged (one line each); failures (status >= 500) always are. */
        request_sample_rate: z.coerce.number().min(0).max(1).default(1),
      })
      .prefault({}),
    organization_id: z.string().min(1).default('default'),
    /** Also read from REDIS_URL: rate limits (and the BullMQ queue) live in Redis when set. */
    redis_url: z.string().url().nullable().default(null),
    /** Also read from ELASTICSEARCH_URL: entries, runs and credentials live in Elasticsearch 9.x when set (else SQLite in data_dir). */
    elasticsearch_url: z.string().url().nullable().default(null),
    elasticsearch: z
      .object({
        api_key: z.string().min(1).nullable().default(null),
        username: z.string().min(1).nullable().default(null),
        password: z.string().min(1).nullable().default(null),
        /** PEM file of the CA that signed the cluster's certificate. */
        ca_file: z.string().min(1).nullable().default(null),
        index_prefix: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,100}$/, 'lower-case letters, digits, "_", "." or "-"').default('agent-ledger'),
        /** Primary shards of each new monthly entry index, the runs index and the run markers, unless their own key says otherwise (a cluster allows 1-1024). */
        shards: shardCount.default(1),
        /** Replicas of every index unless its kind's key says otherwise; unset keeps the cluster's default (1). */
        replicas: replicaCount.nullable().default(null),
        /** Per kind of index (README, "Sizing Elasticsearch"); unset takes `shards` / `replicas` (agents: 1 shard). Applied when an index is created. */
        entries_shards: shardCount.nullable().default(null),
        entries_replicas: replicaCount.nullable().default(null),
        runs_shards: shardCount.nullable().default(null),
        runs_replicas: replicaCount.nullable().default(null),
        run_markers_shards: shardCount.nullable().default(null),
        run_markers_replicas: replicaCount.nullable().default(null),
        agents_shards: shardCount.nullable().default(null),
        agents_replicas: replicaCount.nullable().default(null),
        /** index.refresh_interval of new entry indices: how soon reads see a write (longer: cheaper ingest). */
        entries_refresh_interval: z.string().regex(/^[1-9][0-9]{0,5}(ms|s|m)$/, 'an Elasticsearch time such as "1s" or "30s" (ms, s or m; -1 is refused: reads would never see new entries)').default('1s'),
        /** index.lifecycle.name of every new entry index: an ILM policy already in the cluster (start-up checks). */
        ilm_policy: z
          .string()
          .regex(/^[^_\s,][^\s,]{0,254}$/, 'an ILM policy name: no spaces or commas, not starting with "_", at most 255 characters')
          .nullable()
          .default(null),
        /** One `_bulk` request at most this many bytes (Elastic advises 5-15 MB; the cluster refuses past http.max_content_length, 100 MB). */
        bulk_max_bytes: positiveInt.min(1024 * 1024).max(64 * 1024 * 1024).default(10 * 1024 * 1024),
        /** and at most this many documents. */
        bulk_max_actions: positiveInt.max(100_000).default(5000),
        /** Every request to the cluster gives up after this long (writes are then retried, reads answer 503). */
        request_timeout_ms: positiveInt.min(100).default(30_000),
        /** Entry writes resolve once searchable (wait_for) instead of within the 1 s refresh interval (false). */
        refresh_wait_for: bool.default(false),
        /** A point in time's life between two reads of an export or deep page (renewed by each read): an Elasticsearch time unit. */
        pit_keep_alive: z.string().regex(/^[1-9][0-9]{0,5}(s|m|h)$/, 'an Elasticsearch time such as "5m" (s, m or h)').default('5m'),
      })
      .prefault({}),
    auth: z
      .object({
        /** Off only for local experiments: every request is then the default organization's admin. */
        required: bool.default(true),
        /** A header that carries the API key on OTLP requests besides Authorization. */
        otlp_header: z.string().min(1).default('x-api-key'),
        /** Keyed hash of API keys; generated into the data directory when not set. Share it between processes of one deployment. */
        key_pepper: z.string().min(32).nullable().default(null),
        /** Becomes an admin key of the default organization on first start (else one is generated and printed once). */
        bootstrap_key: z.string().min(24).nullable().default(null),
        /** How long a process trusts a looked-up key: revocation takes effect within this. */
        key_cache_seconds: z.coerce.number().int().min(0).default(30),
        jwt: z
          .object({
            hs256_secret: z.string().min(32).nullable().default(null),
            jwks_url: z.string().url().nullable().default(null),
            issuer: z.string().min(1).nullable().default(null),
            audience: z.string().min(1).nullable().default(null),
            user_claim: z.string().min(1).default('sub'),
            organization_claim: z.string().min(1).default('org_id'),
            role_claim: z.string().min(1).default('role'),
            scope_claim: z.string().min(1).default('scope'),
            /** Clock difference with the token issuer tolerated on exp/nbf/iat (every token must carry exp). */
            clock_tolerance_seconds: z.coerce.number().int().min(0).max(3600).default(60),
            /** Longest lifetime accepted (exp past iat, and past now): a far exp would make a leaked token valid for good. */
            max_lifetime_seconds: z.coerce.number().int().min(60).max(31_536_000).default(86_400),
          })
          .prefault({}),
      })
      .prefault({}),
    rate_limits: z
      .object({
        query_per_hour: positiveInt.default(1000),
        export_per_hour: positiveInt.default(100),
        stats_per_hour: positiveInt.default(600),
        ingest_per_hour: positiveInt.default(1_000_000),
      })
      .prefault({}),
    otlp: z
      .object({
        max_body_bytes: positiveInt.default(20 * 1024 * 1024),
        max_decompressed_bytes: positiveInt.default(64 * 1024 * 1024),
        /** Attribute values and span status messages; longer ones are cut and named in truncated_fields. */
        max_attribute_value_bytes: positiveInt
          .max(MAX_ATTRIBUTE_VALUE_BYTES_LIMIT, `must be at most ${MAX_ATTRIBUTE_VALUE_BYTES_LIMIT} (1 MiB): longer values overflow the stack of redaction's regular expressions`)
          .default(64 * 1024),
        max_json_depth: positiveInt.default(64),
        /** Span, event and scope names, attribute keys, and the entry's key fields (agent_id, model, …); cut like values. */
        max_name_bytes: positiveInt.default(1024),
        /** Spans that started or ended longer ago are rejected (partialSuccess); raise it to replay older history. */
        max_span_age_days: positiveInt.max(36_500).default(3650),
        /** Spans that start or end this far past the receiver's clock are rejected. */
        max_future_skew_seconds: z.coerce.number().int().min(0).max(31 * 86_400).default(3600),
      })
      .prefault({}),
    queue: z
      .object({
        max_bytes: positiveInt.default(64 * 1024 * 1024),
        batch_max_rows: positiveInt.default(10_000),
        ack_timeout_ms: positiveInt.default(30_000),
        retry_after_seconds: positiveInt.default(5),
        /** BullMQ: key prefix in Redis, so deployments can share one Redis. */
        prefix: z.string().min(1).default('agent-ledger'),
        /** BullMQ: envelopes waiting in Redis before receivers refuse with 503. */
        max_pending_jobs: positiveInt.default(20_000),
        /** BullMQ: delivery attempts, with exponential backoff from backoff_ms, before a job is dead-lettered. */
        attempts: positiveInt.default(12),
        backoff_ms: positiveInt.default(1000),
        /** BullMQ: jobs a worker process writes at once. */
        worker_concurrency: positiveInt.default(4),
        /** BullMQ: a worker that dies holding a job gives it up after this long. */
        lock_ms: positiveInt.default(30_000),
      })
      .prefault({}),
    /** GET /api/v1/ledger/stream (Server-Sent Events of new entries). */
    stream: z
      .object({
        /** Open streams per credential; one more is a 429. */
        max_per_credential: positiveInt.default(5),
        /** Open streams in this process, all credentials together; one more is a 429. */
        max_clients: positiveInt.default(1000),
        /** How often the process reads new entries for all its streams. */
        poll_ms: positiveInt.min(50).default(1000),
        /** A `: ping` comment line this often keeps proxies from closing an idle stream. */
        heartbeat_ms: positiveInt.min(100).default(15_000),
        /** Bytes a stream may have waiting for a slow client; past that the stream is closed (the client resumes with Last-Event-ID). */
        max_buffer_bytes: positiveInt.min(65_536).default(4 * 1024 * 1024),
        /** Entries a resume from Last-Event-ID may read (every organization's) before it stops replaying and sends a `gap` event. */
        max_replay_rows: positiveInt.default(200_000),
      })
      .prefault({}),
    sqlite: z
      .object({
        synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
        /** Index payloads for full-text `q` (off: `q` is a 400; turning it back on re-indexes every entry at start-up). */
        fulltext: bool.default(true),
        /** Page cache of the writer's connection: indexes that outgrow it make every commit read pages back. */
        writer_cache_mib: positiveInt.default(64),
      })
      .prefault({}),
    pricing: z
      .object({
        overrides_file: z.string().min(1).nullable().default(null),
      })
      .prefault({}),
    /** Agents (DESIGN.md "Agents"): trust score and activity reports. */
    agents: z
      .object({
        /** An observation this old counts half in the trust score (model/trust-score.ts). */
        trust_half_life_days: z.coerce.number().positive().default(30),
        /** Serialised size of one activity event's metadata. */
        max_metadata_bytes: positiveInt.default(16 * 1024),
      })
      .prefault({}),
    /** How long ledger entries, activity and lifecycle events are kept (per organization: `agent-ledger orgs set`). */
    retention: z
      .object({
        days: positiveInt.default(400),
        /** Allows `days` below 183, the EU AI Act Article 19 minimum, for logs not subject to it. */
        force_below_minimum: bool.default(false),
        /** How often the process that writes runs the sweeper (0: never). */
        sweep_interval_seconds: z.coerce.number().int().min(0).default(3600),
        /** Records deleted per transaction. */
        sweep_batch_size: positiveInt.default(1000),
      })
      .superRefine((r, ctx) => {
        if (r.days < 183 && !r.force_below_minimum) {
          ctx.addIssue({
            code: 'custom',
            path: ['days'],
            message: 'below 183 days, the EU AI Act Article 19 minimum for such logs; set retention.force_below_minimum: true to allow it',
          });
        }
      })
      .prefault({}),
    /** The ledger's own traces (off unless endpoint is set), to an OTLP/HTTP receiver that is never this process's own. */
    self_tracing: z
      .object({
        /** Base URL of an OTLP/HTTP receiver (`/v1/traces` is appended unless the path ends with it). */
        endpoint: z.string().url().refine((u) => /^https?:/i.test(u), 'an http:// or https:// URL').nullable().default(null),
        /** Sent with every export, e.g. a collector's API key: a mapping, or `name=value,name=value` from the environment. */
        headers: z
          .union([
            z.record(z.string().min(1), z.string()),
            z.string().transform((text, ctx) => {
              const headers: Record<string, string> = {};
              for (const pair of text.split(',').filter((p) => p.trim() !== '')) {
                const eq = pair.indexOf('=');
                if (eq <= 0) {
                  ctx.addIssue({ code: 'custom', message: 'expected name=value pairs separated by commas' });
                  return z.NEVER;
                }
                try {
                  headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
                } catch {
                  ctx.addIssue({ code: 'custom', message: 'a header name or value has a malformed %-escape' });
                  return z.NEVER;
                }
              }
              return headers;
            }),
          ], { error: 'a mapping of header names to values, or name=value pairs separated by commas' })
          .default({}),
        /** Share of the ledger's own traces kept (0 to 1). */
        sample_ratio: z.coerce.number().min(0).max(1).default(1),
      })
      .prefault({}),
    /** Secrets in agent traffic, replaced at ingest (collector/redact; defaults match its DEFAULT_REDACTION_CONFIG). */
    redaction: z
      .object({
        enabled: z.union([z.boolean(), z.stringbool()]).default(true),
        detectors: z.array(z.enum(REDACTION_DETECTORS)).default([...REDACTION_DETECTORS]),
        /** Per detector: secrets are removed, email addresses pseudonymised; custom rule names may be listed too. */
        actions: z
          .object(
            Object.fromEntries(
              REDACTION_DETECTORS.map((name) => [name, redactionAction.default(name === 'email' ? 'pseudonymize' : 'redact')]),
            ) as Record<(typeof REDACTION_DETECTORS)[number], z.ZodDefault<typeof redactionAction>>,
          )
          .catchall(redactionAction)
          .prefault({}),
        /** Key names whose values are removed at any depth; setting it replaces the list. */
        secret_keys: z.array(z.string().min(1)).default([...REDACTION_SECRET_KEYS]),
        /** Added to secret_keys. */
        extra_secret_keys: z.array(z.string().min(1)).default([]),
        /** Keys pseudonyms (HMAC per organization); unset: derived from the API-key pepper. Share it between processes of one deployment. */
        pseudonym_secret: z.string().min(32).nullable().default(null),
        custom: z
          .array(
            z
              .object({
                name: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." or "-"'),
                pattern: z.string().min(1),
                flags: z.string().regex(/^[dimsuv]*$/, 'flags from "dimsuv"').optional(),
              })
              .strict(),
          )
          .default([]),
        deny_attributes: z.array(z.string().min(1)).default([]),
        allow_attributes: z.array(z.string().min(1)).default([...REDACTION_ALLOW_ATTRIBUTES]),
      })
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
