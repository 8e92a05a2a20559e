import { chatMessages } from './chat-message.js';
import { isObject, parsedJson, text } from './json-values.js';
import type { ChatMessage as TraceMessage } from './entry-details.js';

/**
 * The messages inside a whole request or response payload (an entry's
 * `inputs` / `outputs`, or an attribute holding one), or null when the
 * payload is not a conversation (tool arguments, `{"error": …}`, an agent's
 * own input object). Request shapes: `messages` (OpenAI, Anthropic, GenAI
 * events, with `system` / `system_instructions` / `instructions` before
 * them), `prompt` (completions, AI SDK), `input` (Responses). Response
 * shapes: `choices` (OpenAI: the first choice, the one a caller reads),
 * `output` (Responses), the AI SDK's `text` + `tool_calls`, one message
 * object. A bare list or `{"value": …}` (Langfuse, text/plain values) is
 * messages or prose.
 */
export function payloadMessages(payload: unknown, defaultRole: 'user' | 'assistant'): TraceMessage[] | null {
  if (typeof payload === 'string') return nonEmpty(chatMessages(payload, defaultRole));
  if (Array.isArray(payload)) return nonEmpty(payload.flatMap((m) => chatMessages(m, defaultRole)));
  if (!isObject(payload)) return null;

  const system = systemMessages(payload.system_instructions ?? payload.system ?? payload.instructions);
  if (Array.isArray(payload.messages)) {
    return nonEmpty([...system, ...payload.messages.flatMap((m) => chatMessages(m, defaultRole))]);
  }
  if (typeof payload.prompt === 'string') return nonEmpty([...system, ...chatMessages(payload.prompt, 'user')]);
  if (typeof payload.input === 'string' || Array.isArray(payload.input)) {
    return nonEmpty([...system, ...(payloadMessages(payload.input, 'user') ?? [])]);
  }
  if (Array.isArray(payload.choices)) return nonEmpty(chatMessages(payload.choices[0], 'assistant'));
  if (Array.isArray(payload.output)) return payloadMessages(payload.output, 'assistant');
  if (typeof payload.text === 'string' || Array.isArray(payload.tool_calls)) {
    return nonEmpty(chatMessages({ role: 'assistant', content: payload.text, tool_calls: payload.tool_calls }, 'assistant'));
  }
  if (typeof payload.role === 'string') return nonEmpty(chatMessages(payload, defaultRole));
  if ('value' in payload && Object.keys(payload).length === 1) return payloadMessages(payload.value, defaultRole);
  if (system.length > 0) return system;
  return null;
}

/** System instructions: a string, a JSON string, or a list of text parts / blocks. */
export function systemMessages(value: unknown): TraceMessage[] {
  const parts = typeof value === 'string' ? parsedJson(value) : value;
  if (Array.isArray(parts)) return chatMessages({ role: 'system', content: parts }, 'system');
  return typeof value === 'string' && text(value) ? [{ role: 'system', content: value }] : [];
}

function nonEmpty(messages: TraceMessage[]): TraceMessage[] | null {
  return messages.length > 0 ? messages : null;
}
