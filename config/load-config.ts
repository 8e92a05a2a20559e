import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ENV_PREFIX = 'AGENT_LEDGER_';

/** Conventional names that set a key too (the AGENT_LEDGER_ name wins when both are set). */
const ENV_ALIASES: Record<string, string> = {
  redis_url: 'REDIS_URL',
  elasticsearch_url: 'ELASTICSEARCH_URL',
  'auth.bootstrap_key': 'AGENT_LEDGER_BOOTSTRAP_KEY',
};

export interface LoadConfigOptions {
  /** YAML file; else AGENT_LEDGER_CONFIG; else none. */
  file?: string | null;
  env?: NodeJS.ProcessEnv;
}

/** defaults < YAML file < environment. Throws ConfigError naming the key and what it expected. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file = options.file ?? env.AGENT_LEDGER_CONFIG ?? null;
  const raw: Record<string, unknown> = file ? readYaml(file) : {};
  const sources = new Map<string, string>();
  for (const path of leafPaths(configSchema)) {
    const alias = ENV_ALIASES[path.join('.')];
    const name = [envName(path), alias].find((n) => n !== undefined && env[n] !== undefined && env[n] !== '');
    if (!name) continue;
    setPath(raw, path, env[name]);
    sources.set(path.join('.'), name);
  }
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = issue.path.join('.');
  const where = sources.get(key) ?? (file ? `${key} in ${file}` : key);
  throw new ConfigError(`invalid configuration: ${where}: ${describe(issue)}`);
}

export function envName(path: readonly string[]): string {
  return ENV_PREFIX + path.join('_').toUpperCase();
}

/** Every leaf of the schema with its environment variable: the configuration reference. */
export function configReference(): Array<{ key: string; env: string; default: unknown }> {
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  return leafPaths(configSchema).map((path) => ({
    key: path.join('.'),
    env: envName(path),
    default: path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaults),
  }));
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must hold a mapping`);
  return doc as Record<string, unknown>;
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key(s) ${issue.keys.join(', ')}`;
  return issue.message;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: any = schema;
  while (s?.def && ['default', 'prefault', 'nullable', 'optional', 'pipe'].includes(s.def.type)) {
    s = s.def.type === 'pipe' ? s.def.out : s.def.innerType;
  }
  return s;
}

function leafPaths(schema: z.ZodType, prefix: string[] = []): string[][] {
  const inner = unwrap(schema) as any;
  if (inner?.def?.type !== 'object') return [prefix];
  return Object.entries(inner.def.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}
