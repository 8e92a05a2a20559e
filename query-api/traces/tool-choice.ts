import type { LedgerEntry } from '../../model/ledger-entry.js';
import { jsonObject, parsedJson } from './json-values.js';

/**
 * The first model call's recorded tool choice, as recorded: "auto" / "none" /
 * "required" or the provider's object (`{"type": "function", …}`,
 * Anthropic's `{"type": "any"}`). Read from `gen_ai.request.tool_choice`,
 * the request parameters (`llm.invocation_parameters`, Langfuse's
 * `model.parameters`), the AI SDK's `ai.prompt.toolChoice`, then the request
 * in the entry's inputs. null when no call recorded one.
 */
export function traceToolChoice(actions: readonly LedgerEntry[]): unknown {
  for (const entry of actions) {
    if (entry.kind !== 'llm') continue;
    const a = entry.attributes;
    const candidates = [
      a['gen_ai.request.tool_choice'],
      jsonObject(a['llm.invocation_parameters'])?.tool_choice,
      jsonObject(a['langfuse.observation.model.parameters'])?.tool_choice,
      a['ai.prompt.toolChoice'],
      entry.inputs?.tool_choice,
    ];
    for (const value of candidates) {
      if (value === undefined || value === null || value === '') continue;
      // A JSON object sent as a string is the object; a bare word ("auto") is the word.
      const parsed = typeof value === 'string' ? parsedJson(value) : value;
      return parsed !== undefined && typeof parsed === 'object' ? parsed : value;
    }
  }
  return null;
}
