import type { z } from 'zod';

/**
 * Characters that make a label lie about itself when shown in a console, a
 * log line or a CSV: C0 and C1 controls and DEL (\p{Cc}), line and paragraph
 * separators, and the bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE
 * shows `exe.txt` for `txt.exe`). Zero-width joiners stay: emoji need them.
 */
const CONTROLS = /[\p{Cc}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export const CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters (C0/C1 controls, line separators or bidirectional controls)';

/** The one rule for labels clients name things with (agent names and external ids, activity event types). */
export function plainText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine((s) => !CONTROLS.test(s), CONTROL_CHARACTERS_MESSAGE) as unknown as T;
}
