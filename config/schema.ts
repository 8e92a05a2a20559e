import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

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
    data_dir: z.string().min(1).default('./data'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    organization_id: z.string().min(1).default('default'),
    otlp: z
      .object({
        max_body_bytes: positiveInt.default(20 * 1024 * 1024),
        max_decompressed_bytes: positiveInt.default(64 * 1024 * 1024),
        max_attribute_value_bytes: positiveInt.default(64 * 1024),
        max_json_depth: positiveInt.default(64),
      })
      .prefault({}),
    queue: z
      .object({
        max_bytes: positiveInt.default(64 * 1024 * 1024),
        batch_max_rows: positiveInt.default(5000),
        ack_timeout_ms: positiveInt.default(30_000),
        retry_after_seconds: positiveInt.default(5),
      })
      .prefault({}),
    sqlite: z
      .object({
        synchronous: z.enum(['FULL', 'NORMAL']).default('FULL'),
      })
      .prefault({}),
    pricing: z
      .object({
        overrides_file: z.string().min(1).nullable().default(null),
      })
      .prefault({}),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
