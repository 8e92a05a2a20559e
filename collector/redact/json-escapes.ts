/**
 * Much of what we scan is JSON text inside a string attribute
 * (gen_ai.input.messages, tool arguments). We redact within that text without
 * parsing it, so a replacement must never cut a JSON escape (`\n`, `\"`,
 * `\u00e9`) in half: that would leave a dangling backslash and make the JSON
 * invalid. These helpers widen or narrow a match to escape boundaries. In plain
 * text a backslash is rare and the adjustment harmless.
 */

const BACKSLASH = 92;
const LOWER_U = 117;

/** True when the backslash at `i` starts an escape (it is not itself escaped). */
function isEscapingBackslash(s: string, i: number): boolean {
  if (s.charCodeAt(i) !== BACKSLASH) return false;
  let n = 0;
  for (let j = i - 1; j >= 0 && s.charCodeAt(j) === BACKSLASH; j--) n++;
  return n % 2 === 0;
}

/** Length of the escape starting with the backslash at `i`: 6 for `\uXXXX`, else 2. */
function escapeLength(s: string, i: number): number {
  return s.charCodeAt(i + 1) === LOWER_U ? 6 : 2;
}

/** The escape sequence that contains position `pos` without starting at it, as its start; -1 when none. */
function escapeAround(s: string, pos: number): number {
  for (let back = 1; back <= 5 && pos - back >= 0; back++) {
    const p = pos - back;
    if (s.charCodeAt(p) === BACKSLASH && isEscapingBackslash(s, p)) {
      return p + escapeLength(s, p) > pos ? p : -1;
    }
  }
  return -1;
}

/** Moves a match start forward past an escape it would split (the escape belongs to the text before). */
export function safeStart(s: string, start: number): number {
  const p = escapeAround(s, start);
  return p < 0 ? start : Math.min(s.length, p + escapeLength(s, p));
}

/** Moves a match end forward over an escape it would split (the whole escape is redacted). */
export function safeEnd(s: string, end: number): number {
  const p = escapeAround(s, end);
  return p < 0 ? end : Math.min(s.length, p + escapeLength(s, p));
}

function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * Whether the character before `i` continues a word, so a match at `i` is the
 * tail of a longer word (`task-…` is not an OpenAI key). The letter of an
 * escape (`\n` before `sk-…` in JSON text) does not count: it is a line break.
 */
export function continuesWord(s: string, i: number): boolean {
  if (i === 0 || !isWordCode(s.charCodeAt(i - 1))) return false;
  return escapeAround(s, i - 1) < 0;
}
