import type { JsonObject } from '../../model/ledger-entry.js';
import { newRecord } from '../../model/records.js';
import type { DecodedEvent } from '../otlp/decoded-span.js';
import type { PayloadReader } from './payload-reader.js';

/**
 * GenAI message content sent as span events instead of attributes. Three
 * generations of the semantic conventions did this differently:
 * - `gen_ai.content.prompt` / `gen_ai.content.completion` with a JSON
 *   `gen_ai.prompt` / `gen_ai.completion` attribute (oldest);
 * - one event per message (`gen_ai.{system,user,assistant,tool}.message`,
 *   `gen_ai.choice`), fields as attributes;
 * - `gen_ai.client.inference.operation.details` with the same
 *   `gen_ai.input.messages` / `gen_ai.output.messages` as span attributes.
 * `@opentelemetry/instrumentation-openai` sends these as OTLP log records
 * instead: /v1/logs hands them to the store (model/log-message.ts), which
 * rebuilds its entry's messages with this same function.
 */
export function messagesFromEvents(
  events: ReadonlyArray<Pick<DecodedEvent, 'name' | 'attributes'>>,
  payloads: PayloadReader,
): { inputs: JsonObject | null; outputs: JsonObject | null } {
  if (events.length === 0) return NO_MESSAGES;
  const input: unknown[] = [];
  const output: unknown[] = [];
  let inputs: JsonObject | null = null;
  let outputs: JsonObject | null = null;
  for (const e of events) {
    const a = e.attributes;
    const role = MESSAGE_EVENTS.get(e.name);
    if (role) input.push({ role, ...eventFields(e, payloads) });
    else if (e.name === 'gen_ai.choice') output.push(eventFields(e, payloads));
    else if (e.name === 'gen_ai.content.prompt') inputs ??= payloads.messages(a['gen_ai.prompt'], 'gen_ai.prompt');
    else if (e.name === 'gen_ai.content.completion') outputs ??= payloads.messages(a['gen_ai.completion'], 'gen_ai.completion');
    else if (e.name === 'gen_ai.client.inference.operation.details') {
      inputs ??= payloads.messages(a['gen_ai.input.messages'], 'gen_ai.input.messages');
      outputs ??= payloads.messages(a['gen_ai.output.messages'], 'gen_ai.output.messages');
    }
  }
  return {
    inputs: inputs ?? (input.length > 0 ? { messages: input } : null),
    outputs: outputs ?? (output.length > 0 ? { messages: output } : null),
  };
}

const NO_MESSAGES = Object.freeze({ inputs: null, outputs: null });

const MESSAGE_EVENTS = new Map([
  ['gen_ai.system.message', 'system'],
  ['gen_ai.user.message', 'user'],
  ['gen_ai.assistant.message', 'assistant'],
  ['gen_ai.tool.message', 'tool'],
]);

// Identify the provider, not the message: leave them out of the message body.
const NOT_CONTENT = new Set(['gen_ai.system', 'gen_ai.provider.name', 'event.name']);

function eventFields(e: Pick<DecodedEvent, 'name' | 'attributes'>, payloads: PayloadReader): Record<string, unknown> {
  const out: Record<string, unknown> = newRecord();
  for (const [key, value] of Object.entries(e.attributes)) {
    if (NOT_CONTENT.has(key)) continue;
    // Structured parts (message, tool_calls) arrive as JSON strings; prose stays prose.
    out[key] = typeof value === 'string' ? payloads.json(value, `${e.name}.${key}`) : value;
  }
  return out;
}
