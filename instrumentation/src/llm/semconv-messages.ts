/**
 * The GenAI semantic conventions' message shapes (gen_ai.input.messages,
 * gen_ai.output.messages, gen_ai.system_instructions): a role and a list of
 * typed parts. Binary content (images, audio, files) is named, never copied:
 * a base64 blob would only be cut by the payload cap.
 */
export type Part =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id?: string; name: string; arguments?: unknown }
  | { type: 'tool_call_response'; id?: string; response: unknown }
  | { type: string; [field: string]: unknown };

export interface Message {
  role: string;
  parts: Part[];
  finish_reason?: string;
}

export function textPart(content: string): Part {
  return { type: 'text', content };
}

/** Tool call arguments arrive as JSON text: kept parsed when they parse. */
export function parsedArguments(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A part this module does not map: its type only. */
export function opaquePart(type: unknown): Part {
  return { type: typeof type === 'string' ? type : 'unknown' };
}

export type Json = Record<string, unknown>;

export function asRecord(value: unknown): Json {
  return value !== null && typeof value === 'object' ? (value as Json) : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function strOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
