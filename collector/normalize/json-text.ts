/**
 * JSON carried inside attribute strings. The nesting depth is measured with a
 * flat scan before parsing, so a hostile payload of a million brackets is
 * refused in linear time instead of reaching JSON.parse (DESIGN.md, Limits).
 */

export type ParsedText =
  | { kind: 'json'; value: unknown }
  | { kind: 'text' }
  | { kind: 'too-deep' };

/** True when brackets outside string literals nest deeper than `limit`. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * True when the text holds at most `limit` opening brackets, counted
 * anywhere, even inside strings: it then cannot nest deeper than `limit`.
 * indexOf runs natively, so typical payloads (a few brackets) skip the
 * character-by-character scan of nestsDeeperThan, which cost as much as
 * JSON.parse itself.
 */
function fewOpeningBrackets(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) {
      if (++count > limit) return false;
    }
  }
  return true;
}

// Only these can start a JSON text; anything else is prose and need not be tried.
const JSON_START = /^\s*[{["\-0-9tfn]/;

export function parseJsonText(text: string, maxDepth: number): ParsedText {
  if (!JSON_START.test(text)) return { kind: 'text' };
  if (!fewOpeningBrackets(text, maxDepth) && nestsDeeperThan(text, maxDepth)) return { kind: 'too-deep' };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'text' };
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
