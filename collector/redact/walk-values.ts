import { isCardInteger } from './card-number.js';
import { isCardNumber } from './luhn.js';
import { DENIED_KIND, JsonParse, SECRET_FIELD_KIND, type RedactionRules } from './compile-rules.js';
import { containsToken, isToken, redactionToken } from './detector.js';
import { KeyAction } from './key-policy.js';
import { parseJsonText } from '../normalize/json-text.js';
import { isPlaceholder } from './text-shape.js';
import type { Tally } from './tally.js';

const DENIED = redactionToken(DENIED_KIND);
const SECRET_FIELD = redactionToken(SECRET_FIELD_KIND);
const CARD = redactionToken('card_number');

/**
 * Walks attribute values and JSON values alike. With `inPlace` it assigns
 * into the containers it is given (decoded spans, which nobody else holds);
 * without, it copies a container only when something inside it changed, so
 * the caller's object is never touched and clean input is returned as is.
 * Copies have no prototype, like decoded attributes.
 */
export function redactAny(value: unknown, path: string | null, rules: RedactionRules, tally: Tally, inPlace: boolean): unknown {
  switch (typeof value) {
    case 'string':
      return redactString(value, path, rules, tally);
    case 'number':
      if (rules.checkIntegers && isCardInteger(value)) {
        tally.count++;
        return CARD;
      }
      return value;
    case 'bigint':
      if (rules.checkIntegers && isCardNumber(value.toString())) {
        tally.count++;
        return CARD;
      }
      return value;
    case 'object':
      if (value === null) return value;
      if (Array.isArray(value)) return redactArray(value, path, rules, tally, inPlace);
      if (isPlainObject(value)) return redactMap(value as Record<string, unknown>, path, rules, tally, inPlace);
      return value;
    default:
      return value;
  }
}

/**
 * JSON inside a string (tool arguments, LLM messages, a JSON attribute) is
 * also redacted as parsed values, where keys are keys and escapes are
 * decoded (`\u0073k-…`, `https:\/\/user:pw@…`), whenever the text could hide
 * something from the text scan: a secret key name's last word, or an escape
 * that spells a character. With such an escape the parsed values go first
 * (the text scan would see `jane\u002edoe@…` as `doe@…`); otherwise the text
 * scan goes first and leaves the formatting as it was. JSON changed as values
 * is written back with JSON.stringify (numbers beyond 2^53 lose precision).
 */
function redactString(text: string, path: string | null, rules: RedactionRules, tally: Tally): string {
  const parse = rules.json.parseWhen(text);
  if (parse === JsonParse.Never) return rules.text.redact(text, tally);
  if (parse === JsonParse.First) return rules.text.redact(redactJsonText(text, path, rules, tally, false), tally);
  return redactJsonText(rules.text.redact(text, tally), path, rules, tally, true);
}

/** `keysOnly`: the text scan has seen every value already (no escapes hid one): only keys are left to check. */
function redactJsonText(text: string, path: string | null, rules: RedactionRules, tally: Tally, keysOnly: boolean): string {
  const parsed = parseJsonText(text, rules.json.maxDepth);
  if (parsed.kind !== 'json' || typeof parsed.value !== 'object' || parsed.value === null) return text;
  const before = tally.count + tally.uncounted;
  // Parsed here, so ours to change in place.
  const value = keysOnly ? redactKeys(parsed.value, path, rules, tally) : redactAny(parsed.value, path, rules, tally, true);
  return tally.count + tally.uncounted === before ? text : JSON.stringify(value);
}

/**
 * redactAny for values whose text was scanned: deny lists and secret keys
 * apply, and strings are looked at only as JSON text nested once more.
 */
function redactKeys(value: unknown, path: string | null, rules: RedactionRules, tally: Tally): unknown {
  if (typeof value === 'string') {
    const parse = rules.json.parseWhen(value);
    if (parse === JsonParse.Never) return value;
    return parse === JsonParse.First ? redactString(value, path, rules, tally) : redactJsonText(value, path, rules, tally, true);
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = redactKeys(value[i], path, rules, tally);
    return value;
  }
  const map = value as Record<string, unknown>;
  for (const key of Object.keys(map)) {
    const keyPath = path === null ? key : `${path}.${key}`;
    const action = rules.keys.action(keyPath);
    if (action === KeyAction.Allow) continue;
    const v = map[key];
    let next: unknown;
    if (action === KeyAction.Deny) {
      if (v === null || v === '' || v === DENIED) continue;
      tally.count++;
      next = DENIED;
    } else if (rules.secretKeys.matches(key)) {
      next = redactSecret(v, rules, tally, true);
    } else {
      next = redactKeys(v, keyPath, rules, tally);
    }
    if (next !== v) setOwn(map, key, next);
  }
  return map;
}

/** Attributes or a JSON object: each key is looked up by its dotted path for deny / allow, and by its name for secrets. */
export function redactMap(
  map: Record<string, unknown>,
  prefix: string | null,
  rules: RedactionRules,
  tally: Tally,
  inPlace: boolean,
): Record<string, unknown> {
  let out = map;
  const keys = Object.keys(map);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const path = prefix === null ? key : `${prefix}.${key}`;
    const value = map[key];
    const action = rules.keys.action(path);
    let next: unknown;
    if (action === KeyAction.Allow) continue;
    if (action === KeyAction.Deny) {
      // Nothing to hide in an empty value, and a second pass must not count again.
      if (value === null || value === '' || value === DENIED) continue;
      tally.count++;
      next = DENIED;
    } else if (rules.secretKeys.matches(key)) {
      next = redactSecret(value, rules, tally, inPlace);
    } else {
      next = redactAny(value, path, rules, tally, inPlace);
    }
    if (next === value) continue;
    if (!inPlace && out === map) out = Object.assign(Object.create(null), map) as Record<string, unknown>;
    setOwn(out, key, next);
  }
  return out;
}

/**
 * A value under a secret-bearing key: every string and number in it is a
 * secret. A string that a detector replaces whole keeps the detector's
 * precise kind (`[REDACTED:openai_api_key]`); otherwise the whole string
 * becomes `[REDACTED:secret_field]`. Kept: empty values, booleans,
 * placeholders (`${DB_PASSWORD}`, `***`) and values already redacted.
 * A value in which an earlier pass already replaced something was counted
 * then, so replacing the rest does not count again.
 */
function redactSecret(value: unknown, rules: RedactionRules, tally: Tally, inPlace: boolean): unknown {
  switch (typeof value) {
    case 'string': {
      if (value === '' || isToken(value) || isPlaceholder(value)) return value;
      const local: Tally = { count: 0, uncounted: 0, pseudonym: tally.pseudonym };
      const scanned = rules.text.redact(value, local);
      if (isToken(scanned)) {
        tally.count += local.count;
        return scanned;
      }
      if (containsToken(value)) tally.uncounted++;
      else tally.count++;
      return SECRET_FIELD;
    }
    case 'number':
    case 'bigint':
      tally.count++;
      return SECRET_FIELD;
    case 'object': {
      if (value === null) return value;
      if (Array.isArray(value)) {
        let out = value;
        for (let i = 0; i < value.length; i++) {
          const next = redactSecret(value[i], rules, tally, inPlace);
          if (next === value[i]) continue;
          if (!inPlace && out === value) out = value.slice();
          out[i] = next;
        }
        return out;
      }
      if (!isPlainObject(value)) return value;
      const map = value as Record<string, unknown>;
      let out = map;
      for (const key of Object.keys(map)) {
        const next = redactSecret(map[key], rules, tally, inPlace);
        if (next === map[key]) continue;
        if (!inPlace && out === map) out = Object.assign(Object.create(null), map) as Record<string, unknown>;
        setOwn(out, key, next);
      }
      return out;
    }
    default:
      return value;
  }
}

function redactArray(list: unknown[], path: string | null, rules: RedactionRules, tally: Tally, inPlace: boolean): unknown[] {
  let out = list;
  for (let i = 0; i < list.length; i++) {
    const next = redactAny(list[i], path, rules, tally, inPlace);
    if (next === list[i]) continue;
    if (!inPlace && out === list) out = list.slice();
    out[i] = next;
  }
  return out;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `__proto__` can be an own key of parsed JSON; plain assignment would set the prototype instead. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}
