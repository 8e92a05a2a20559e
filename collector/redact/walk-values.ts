import { isCardInteger } from './card-number.js';
import { isCardNumber } from './luhn.js';
import { DENIED_KIND, type RedactionRules } from './compile-rules.js';
import { redactionToken } from './detector.js';
import { KeyAction } from './key-policy.js';
import type { Tally } from './tally.js';

const DENIED = redactionToken(DENIED_KIND);
const CARD = redactionToken('card_number');

/**
 * Walks attribute values and JSON values alike. With `inPlace` it assigns
 * into the containers it is given (decoded spans, which nobody else holds);
 * without, it copies a container only when something inside it changed, so
 * the caller's object is never touched and clean input is returned as is.
 */
export function redactAny(value: unknown, path: string | null, rules: RedactionRules, tally: Tally, inPlace: boolean): unknown {
  switch (typeof value) {
    case 'string':
      return rules.text.redact(value, tally);
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

/** Attributes or a JSON object: each key is looked up by its dotted path for deny / allow. */
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
    } else {
      next = redactAny(value, path, rules, tally, inPlace);
    }
    if (next === value) continue;
    if (!inPlace && out === map) out = { ...map };
    setOwn(out, key, next);
  }
  return out;
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
