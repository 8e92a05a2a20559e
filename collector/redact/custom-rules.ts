import { redactionToken, type Detector } from './detector.js';

/** Names end up inside `[REDACTED:<name>]` in JSON text: no quotes, backslashes or brackets. */
const RULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
/** `g` is added; `y` would anchor every match to the previous one, which nobody means. */
const RULE_FLAGS = /^[dimsuv]*$/;

export interface CustomRule {
  name: string;
  pattern: string;
  flags?: string;
}

/** Compiles one custom rule, or throws an Error that names it and says what is wrong. */
export function compileCustomRule(rule: CustomRule, taken: ReadonlySet<string>): Detector {
  const label = `redaction rule ${JSON.stringify(rule?.name)}`;
  if (typeof rule?.name !== 'string' || !RULE_NAME.test(rule.name)) {
    throw new Error(`${label}: name must be 1-64 characters of letters, digits, "_", "." or "-"`);
  }
  if (taken.has(rule.name)) throw new Error(`${label}: name is already used by a built-in detector or another rule`);
  if (typeof rule.pattern !== 'string' || rule.pattern.length === 0) throw new Error(`${label}: pattern must be a non-empty string`);
  const flags = rule.flags ?? '';
  if (!RULE_FLAGS.test(flags) || new Set(flags).size !== flags.length) {
    throw new Error(`${label}: flags ${JSON.stringify(flags)} must be distinct letters from "dimsuv"`);
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(rule.pattern, `${flags}g`);
  } catch (err) {
    throw new Error(`${label}: invalid regular expression /${rule.pattern}/: ${(err as Error).message}`);
  }
  if (pattern.test('')) throw new Error(`${label}: pattern /${rule.pattern}/ matches the empty string`);
  pattern.lastIndex = 0;
  return Object.freeze({ name: rule.name, token: redactionToken(rule.name), pattern, triggers: null });
}
