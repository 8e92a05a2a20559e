/**
 * Cheap character-class tests used to tell random credentials from words:
 * a real key is base62 noise and almost surely mixes digits and both cases,
 * while a slug like `sk-learn-pipeline-notes` does not.
 */

export function hasDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

export function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

export function hasLower(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) return true;
  }
  return false;
}

/** Digits and both letter cases: what a generated key looks like and prose does not. */
export function looksRandom(s: string): boolean {
  return hasDigit(s) && hasUpper(s) && hasLower(s);
}

/**
 * Values that sit after `password=` without being one: empty markers,
 * already-masked values, template and environment references (`${DB_PASS}`,
 * `{{ secret }}`, `<your password>`, `%PASS%`) and documentation
 * placeholders in SHOUTING_SNAKE_CASE (`YOUR_API_KEY`).
 */
const PLACEHOLDER = /^(?:(?:null|nil|none|undefined|true|false|\*+|x{3,}|\.{3,}|%[A-Za-z_]+%|\$[A-Za-z_][A-Za-z0-9_]*)$|<|\{\{|\$\{)/i;
/** Case matters here: `correct_horse_battery` is a fine password. */
const SHOUTED_NAME = /^[A-Z]+(?:_[A-Z]+)+$/;

export function isPlaceholder(s: string): boolean {
  return PLACEHOLDER.test(s) || SHOUTED_NAME.test(s);
}
