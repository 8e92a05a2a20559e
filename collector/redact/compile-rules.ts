import { BUILT_IN_DETECTORS, BUILT_IN_DETECTOR_NAMES } from './builtin-detectors.js';
import { compileCustomRule } from './custom-rules.js';
import type { Detector } from './detector.js';
import { KeyPolicy } from './key-policy.js';
import { PseudonymKeys, type PseudonymFn } from './pseudonyms.js';
import { DETECTOR_ACTIONS, type DetectorAction, type RedactionConfig } from './redaction-config.js';
import { TextRedactor } from './redact-text.js';
import { keyWords, SecretKeys } from './secret-keys.js';

/** The redaction config compiled once at start-up; shared by every request, never changed. */
export interface RedactionRules {
  readonly enabled: boolean;
  /** Built-ins in their fixed order, then custom rules in config order, behind one prefilter. */
  readonly text: TextRedactor;
  readonly keys: KeyPolicy;
  /** Keys whose values are secrets whatever they look like (secret-keys.ts). */
  readonly secretKeys: SecretKeys;
  /** When a JSON string is parsed and redacted as values too (walk-values.ts). */
  readonly json: JsonPass;
  /** The card detector is on, so integer attributes are checked as card numbers too. */
  readonly checkIntegers: boolean;
  /**
   * Replacements made in each resource's attributes. A resource object is
   * shared by every span of its ResourceSpans: it is redacted once, and every
   * span that carries it counts its replacements.
   */
  readonly resourceCounts: WeakMap<object, number>;
  /** The detectors that pseudonymise, alone: what turns a clear value in a search into its pseudonym. */
  readonly searchText: TextRedactor | null;
  /** An organization's pseudonyms; null when no detector pseudonymises. */
  pseudonymsOf(organizationId: string): PseudonymFn | null;
}

/** Whether and when a string is also parsed as JSON and redacted as values (walk-values.ts). */
export const JsonParse = { Never: 0, First: 1, AfterText: 2 } as const;
export type JsonParse = (typeof JsonParse)[keyof typeof JsonParse];

export interface JsonPass {
  readonly maxDepth: number;
  parseWhen(text: string): JsonParse;
}

export interface CompileOptions {
  /**
   * Keys the pseudonyms when `pseudonym_secret` is not configured: the API-key
   * pepper, which every process of a deployment shares already. One of the
   * two is required when a detector pseudonymises.
   */
  defaultPseudonymSecret?: string | null;
  /** Deepest JSON parsed inside strings (otlp.max_json_depth). */
  maxJsonDepth?: number;
}

/** DENIED is its own kind so an auditor can tell policy from detection. */
export const DENIED_KIND = 'denied';
/** A value removed because its key names a secret (`password`, `client_secret`, …). */
export const SECRET_FIELD_KIND = 'secret_field';

const DEFAULT_MAX_JSON_DEPTH = 64;

export function compileRedactionRules(config: RedactionConfig, options: CompileOptions = {}): RedactionRules {
  const wanted = new Set(config.detectors ?? BUILT_IN_DETECTOR_NAMES);
  for (const name of wanted) {
    if (!BUILT_IN_DETECTOR_NAMES.includes(name)) {
      throw new Error(`redaction detector ${JSON.stringify(name)} is unknown; built-in detectors: ${BUILT_IN_DETECTOR_NAMES.join(', ')}`);
    }
  }
  const actions = config.actions ?? {};
  const detectors: Detector[] = BUILT_IN_DETECTORS.filter((d) => wanted.has(d.name));
  const taken = new Set<string>([...BUILT_IN_DETECTOR_NAMES, DENIED_KIND, SECRET_FIELD_KIND]);
  for (const rule of config.custom ?? []) {
    detectors.push(compileCustomRule(rule, taken));
    taken.add(rule.name);
  }
  for (const [name, action] of Object.entries(actions)) {
    if (action === undefined) continue;
    if (!taken.has(name) || name === DENIED_KIND || name === SECRET_FIELD_KIND) {
      throw new Error(`actions.${name}: no built-in detector or custom rule has this name`);
    }
    if (!(DETECTOR_ACTIONS as readonly string[]).includes(action)) {
      throw new Error(`actions.${name}: ${JSON.stringify(action)} is not one of ${DETECTOR_ACTIONS.join(', ')}`);
    }
  }
  const actionOf = (d: Detector): DetectorAction => normalizeAction(actions[d.name]);
  const running = detectors.filter((d) => actionOf(d) !== 'keep');
  const pseudonymize = running.map((d) => actionOf(d) === 'pseudonymize');

  let pseudonyms: PseudonymKeys | null = null;
  if (pseudonymize.includes(true)) {
    const secret = config.pseudonym_secret ?? options.defaultPseudonymSecret;
    if (!secret) {
      throw new Error(`actions: ${running.filter((_, i) => pseudonymize[i]).map((d) => d.name).join(', ')} pseudonymise, which needs a pseudonym secret`);
    }
    pseudonyms = new PseudonymKeys(secret);
  }
  const secretKeyList = [...(config.secret_keys ?? []), ...(config.extra_secret_keys ?? [])];
  const secretKeys = new SecretKeys(secretKeyList);
  const searchDetectors = running.filter((_, i) => pseudonymize[i]);
  return Object.freeze({
    enabled: config.enabled !== false,
    text: new TextRedactor(Object.freeze(running), Object.freeze(pseudonymize)),
    keys: new KeyPolicy(checkKeys(config.deny_attributes ?? [], 'deny_attributes'), checkKeys(config.allow_attributes ?? [], 'allow_attributes')),
    secretKeys,
    json: jsonPass(secretKeyList, options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH),
    checkIntegers: running.some((d) => d.name === 'card_number'),
    resourceCounts: new WeakMap<object, number>(),
    searchText: searchDetectors.length ? new TextRedactor(Object.freeze(searchDetectors), Object.freeze(searchDetectors.map(() => true))) : null,
    pseudonymsOf: (organizationId: string) => pseudonyms?.forOrganization(organizationId) ?? null,
  });
}

/** Both spellings are accepted; one is used inside. */
function normalizeAction(action: string | undefined): DetectorAction {
  if (action === undefined) return 'redact';
  return action === 'pseudonymise' ? 'pseudonymize' : (action as DetectorAction);
}

/**
 * Only an object or array whose text holds an escape that spells a
 * character (`\u…`, `\/`) or a key ending in a secret key name's last word
 * (`…password":`, `…Token1\" :` in JSON inside JSON) can show parsed values
 * something the text scan cannot see; other text is not parsed. Prose that
 * merely mentions a password is not a key. One regex over the text (about
 * 1 µs a span on the benchmark traffic); what may follow the word holds no
 * letter, quote or backslash, so no match can backtrack beyond that run.
 */
function jsonPass(secretKeys: readonly string[], maxDepth: number): JsonPass {
  const words = [...new Set(secretKeys.map((k) => keyWords(k).at(-1)!))];
  const secretKey = words.length ? new RegExp(String.raw`(?:${words.join('|')})[^A-Za-z"\\]*\\*"\s*:`, 'i') : null;
  return Object.freeze({
    maxDepth,
    parseWhen(text: string): JsonParse {
      let i = 0;
      let c = text.charCodeAt(0);
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++i);
      if (c !== 0x7b && c !== 0x5b) return JsonParse.Never;
      if (text.includes('\\u') || text.includes('\\/')) return JsonParse.First;
      return secretKey !== null && secretKey.test(text) ? JsonParse.AfterText : JsonParse.Never;
    },
  });
}

function checkKeys(keys: readonly string[], list: string): readonly string[] {
  for (const key of keys) {
    if (typeof key !== 'string' || key.length === 0) throw new Error(`redaction ${list}: ${JSON.stringify(key)} is not a non-empty attribute key`);
  }
  return keys;
}
