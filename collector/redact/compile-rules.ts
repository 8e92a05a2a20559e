import { BUILT_IN_DETECTORS, BUILT_IN_DETECTOR_NAMES } from './builtin-detectors.js';
import { compileCustomRule } from './custom-rules.js';
import type { Detector } from './detector.js';
import { KeyPolicy } from './key-policy.js';
import type { RedactionConfig } from './redaction-config.js';
import { TextRedactor } from './redact-text.js';

/** The redaction config compiled once at start-up; shared by every request, never changed. */
export interface RedactionRules {
  readonly enabled: boolean;
  /** Built-ins in their fixed order, then custom rules in config order, behind one prefilter. */
  readonly text: TextRedactor;
  readonly keys: KeyPolicy;
  /** The card detector is on, so integer attributes are checked as card numbers too. */
  readonly checkIntegers: boolean;
  /**
   * Replacements made in each resource's attributes. A resource object is
   * shared by every span of its ResourceSpans: it is redacted once, and every
   * span that carries it counts its replacements.
   */
  readonly resourceCounts: WeakMap<object, number>;
}

/** DENIED is its own kind so an auditor can tell policy from detection. */
export const DENIED_KIND = 'denied';

export function compileRedactionRules(config: RedactionConfig): RedactionRules {
  const wanted = new Set(config.detectors ?? BUILT_IN_DETECTOR_NAMES);
  for (const name of wanted) {
    if (!BUILT_IN_DETECTOR_NAMES.includes(name)) {
      throw new Error(`redaction detector ${JSON.stringify(name)} is unknown; built-in detectors: ${BUILT_IN_DETECTOR_NAMES.join(', ')}`);
    }
  }
  const detectors: Detector[] = BUILT_IN_DETECTORS.filter((d) => wanted.has(d.name));
  const taken = new Set<string>([...BUILT_IN_DETECTOR_NAMES, DENIED_KIND]);
  for (const rule of config.custom ?? []) {
    detectors.push(compileCustomRule(rule, taken));
    taken.add(rule.name);
  }
  const deny = checkKeys(config.deny_attributes ?? [], 'deny_attributes');
  const allow = checkKeys(config.allow_attributes ?? [], 'allow_attributes');
  return Object.freeze({
    enabled: config.enabled !== false,
    text: new TextRedactor(Object.freeze(detectors)),
    keys: new KeyPolicy(deny, allow),
    checkIntegers: wanted.has('card_number'),
    resourceCounts: new WeakMap<object, number>(),
  });
}

function checkKeys(keys: readonly string[], list: string): readonly string[] {
  for (const key of keys) {
    if (typeof key !== 'string' || key.length === 0) throw new Error(`redaction ${list}: ${JSON.stringify(key)} is not a non-empty attribute key`);
  }
  return keys;
}
