import { displayText, isObject, parsedJson, text } from './json-values.js';
import type { ChatMessage as TraceMessage, ChatToolCall as TraceToolCall } from './entry-details.js';

/**
 * One chat message, in whichever shape an instrumentation recorded it, as
 * the seed's messages. Shapes read:
 * - OpenAI chat (`content` string or parts, `tool_calls[].function`, `tool_call_id`),
 *   which OpenInference's `llm.*_messages` and legacy `gen_ai.prompt.N.*` follow;
 * - GenAI semantic conventions (`parts`: text, tool_call, tool_call_response);
 * - Anthropic (`tool_use` / `tool_result` content blocks);
 * - Vercel AI SDK (`tool-call` / `tool-result` parts);
 * - OpenAI Responses items (`function_call`, `function_call_output`);
 * - GenAI span events (`gen_ai.choice` wraps the message in `message`; a tool message names its call `id`).
 * A message may become several: tool results inside a user message (Anthropic)
 * are tool messages of their own, as the seed shows them.
 */
export function chatMessages(raw: unknown, defaultRole: string): TraceMessage[] {
  if (typeof raw === 'string') return raw ? [{ role: defaultRole, content: raw }] : [];
  if (!isObject(raw)) return [];
  if (raw.role === undefined && isObject(raw.message)) return chatMessages(raw.message, defaultRole);
  if (raw.type === 'function_call') {
    const call = toolCallOf(raw);
    return call ? [{ role: 'assistant', content: null, tool_calls: [call] }] : [];
  }
  if (raw.type === 'function_call_output') return [toolResult(raw.output, text(raw.call_id))];

  const role = normalizeRole(text(raw.role) ?? defaultRole);
  const texts: string[] = [];
  const calls: TraceToolCall[] = [];
  const results: TraceMessage[] = [];
  for (const key of ['content', 'parts', 'contents']) {
    const value = raw[key];
    if (Array.isArray(value)) for (const part of value) readPart(part, texts, calls, results);
    else if (value !== undefined && value !== null) texts.push(displayText(value)!);
  }
  for (const c of Array.isArray(raw.tool_calls) ? raw.tool_calls : []) {
    const call = toolCallOf(c);
    if (call) calls.push(call);
  }
  const legacyCall = isObject(raw.function_call) ? toolCallOf(raw.function_call) : null;
  if (legacyCall) calls.push(legacyCall);

  const content = texts.length > 0 ? texts.join('\n') : null;
  if (role === 'tool') {
    if (results.length > 0) return results;
    // GenAI span events name the answered call `id`.
    return [{ role, content, tool_call_id: text(raw.tool_call_id) ?? text(raw.tool_use_id) ?? text(raw.id) }];
  }
  const out: TraceMessage[] = [];
  if (content !== null || calls.length > 0) {
    out.push(calls.length > 0 ? { role, content, tool_calls: calls } : { role, content });
  }
  return [...out, ...results];
}

/** The seed's four roles; the synonyms other frameworks use map onto them. */
const ROLE_SYNONYMS: Record<string, string> = {
  human: 'user',
  ai: 'assistant',
  model: 'assistant',
  bot: 'assistant',
  function: 'tool',
  ipython: 'tool',
  // OpenAI's newer name for the system prompt.
  developer: 'system',
};

function normalizeRole(role: string): string {
  const r = role.toLowerCase();
  return ROLE_SYNONYMS[r] ?? r;
}

const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

function readPart(part: unknown, texts: string[], calls: TraceToolCall[], results: TraceMessage[]): void {
  if (typeof part === 'string') {
    texts.push(part);
    return;
  }
  if (!isObject(part)) return;
  const type = text(part.type) ?? (typeof part.text === 'string' ? 'text' : null);
  if (type !== null && TEXT_PARTS.has(type)) {
    const t = text(part.text) ?? text(part.content);
    if (t !== null) texts.push(t);
  } else if (type === 'tool_call' || type === 'tool_use' || type === 'tool-call' || type === 'function_call') {
    const call = toolCallOf(part);
    if (call) calls.push(call);
  } else if (type === 'tool_call_response') {
    results.push(toolResult(part.response ?? part.result, text(part.id)));
  } else if (type === 'tool_result') {
    results.push(toolResult(part.content, text(part.tool_use_id)));
  } else if (type === 'tool-result') {
    results.push(toolResult(part.output ?? part.result, text(part.toolCallId)));
  } else if (type === 'function_call_output') {
    results.push(toolResult(part.output, text(part.call_id)));
  }
  // Images, audio, files and reasoning are not text the seed's messages can carry.
}

function toolResult(value: unknown, callId: string | null): TraceMessage {
  return { role: 'tool', content: resultText(value), tool_call_id: callId };
}

/** Tool output as text: prose as is, text parts joined, the AI SDK's {type, value} unwrapped, the rest as JSON. */
function resultText(value: unknown): string | null {
  if (Array.isArray(value) && value.every((p) => isObject(p) && TEXT_PARTS.has(String(p.type)))) {
    return value.map((p) => text((p as Record<string, unknown>).text) ?? '').join('\n');
  }
  if (isObject(value) && typeof value.type === 'string' && 'value' in value && Object.keys(value).length === 2) {
    return displayText(value.value);
  }
  return displayText(value);
}

/** A tool call in any of the shapes above; null when it names no tool. */
export function toolCallOf(raw: unknown): TraceToolCall | null {
  if (!isObject(raw)) return null;
  const fn = isObject(raw.function) ? raw.function : raw;
  const name = text(fn.name) ?? text(raw.name) ?? text(raw.toolName);
  if (name === null) return null;
  const id = text(raw.id) ?? text(raw.toolCallId) ?? text(raw.call_id) ?? text(raw.tool_call_id);
  return { id, name, args: argsOf(fn.arguments ?? raw.arguments ?? raw.args ?? raw.input) };
}

/** Arguments arrive as JSON text (OpenAI) or as objects (GenAI parts, Anthropic); non-JSON text stays text. */
export function argsOf(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return value;
  const parsed = parsedJson(value);
  return parsed === undefined ? value : parsed;
}
