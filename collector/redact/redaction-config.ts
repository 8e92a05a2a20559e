import { BUILT_IN_DETECTOR_NAMES } from './builtin-detectors.js';
import { DEFAULT_SECRET_KEYS } from './secret-keys.js';

/**
 * What becomes of a detector's finds: removed (`[REDACTED:<kind>]`),
 * replaced by a keyed per-organization pseudonym (`[EMAIL:3f9a…]`, found
 * again by a search for the clear value), or kept. `pseudonymise` is read as
 * `pseudonymize`.
 */
export const DETECTOR_ACTIONS = ['redact', 'pseudonymize', 'pseudonymise', 'keep'] as const;
export type DetectorAction = 'redact' | 'pseudonymize' | 'keep';

/** Secrets go; personal data is pseudonymised (DESIGN.md, Redaction). Custom rules not listed redact. */
export const DEFAULT_DETECTOR_ACTIONS: Readonly<Record<string, DetectorAction>> = Object.freeze(
  Object.fromEntries(BUILT_IN_DETECTOR_NAMES.map((name): [string, DetectorAction] => [name, name === 'email' ? 'pseudonymize' : 'redact'])),
);

/** The `redaction` section of the configuration (config/schema.ts validates it; defaults agree). */
export interface RedactionConfig {
  enabled: boolean;
  /** Names of the built-in detectors to run; default all. */
  detectors: string[];
  /** Per detector (built-in or custom rule name): redact, pseudonymize (or pseudonymise) or keep; unlisted ones redact. */
  actions: Record<string, string | undefined>;
  /** Key names whose values are secrets at any depth (secret-keys.ts): the default list, replaced when set. */
  secret_keys: string[];
  /** Added to secret_keys, so the default list can be extended without repeating it. */
  extra_secret_keys: string[];
  /** Keys the pseudonyms (at least 32 characters); null: CompileOptions.defaultPseudonymSecret (the API-key pepper). */
  pseudonym_secret: string | null;
  /** Extra regexes; each match becomes `[REDACTED:<name>]`. Named groups `pre` / `post` mark context to keep. */
  custom: Array<{ name: string; pattern: string; flags?: string }>;
  /** Attribute keys (exact, or glob with `*`) whose whole value becomes `[REDACTED:denied]`. */
  deny_attributes: string[];
  /** Attribute keys (exact, or glob with `*`) never scanned: identifiers and model metadata. */
  allow_attributes: string[];
}

/**
 * Keys that carry names and identifiers, never payload: scanning them costs
 * time and risks mangling a model name or id that queries group by.
 */
export const DEFAULT_ALLOW_ATTRIBUTES: readonly string[] = Object.freeze([
  'gen_ai.operation.name',
  'gen_ai.provider.name',
  'gen_ai.system',
  'gen_ai.request.model',
  'gen_ai.response.model',
  'gen_ai.response.id',
  'gen_ai.response.finish_reasons',
  'gen_ai.tool.name',
  'gen_ai.tool.call.id',
  'llm.model_name',
  'llm.system',
  'llm.provider',
  'openinference.span.kind',
  'ai.model.id',
  'ai.model.provider',
  'langfuse.observation.type',
  'traceloop.span.kind',
  'service.name',
  'service.version',
  'telemetry.sdk.*',
]);

/** Frozen all the way down (the type says mutable arrays, as config objects have): copy it to change it. */
export const DEFAULT_REDACTION_CONFIG: RedactionConfig = Object.freeze({
  enabled: true,
  detectors: Object.freeze([...BUILT_IN_DETECTOR_NAMES]),
  actions: DEFAULT_DETECTOR_ACTIONS,
  secret_keys: Object.freeze([...DEFAULT_SECRET_KEYS]),
  extra_secret_keys: Object.freeze([]),
  pseudonym_secret: null,
  custom: Object.freeze([]),
  deny_attributes: Object.freeze([]),
  allow_attributes: Object.freeze([...DEFAULT_ALLOW_ATTRIBUTES]),
}) as unknown as RedactionConfig;
