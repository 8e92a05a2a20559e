import { parsedJson } from '../../model/json-values.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { detailsOf } from './llm-messages.js';

/**
 * The first model call's recorded tool choice, as recorded: "auto" / "none" /
 * "required" or the provider's object (`{"type": "function", …}`,
 * Anthropic's `{"type": "any"}`). What its conventions recorded, then the
 * request in the entry's inputs. null when no call recorded one.
 */
export function traceToolChoice(actions: readonly LedgerEntry[]): unknown {
  for (const entry of actions) {
    if (entry.kind !== 'llm') continue;
    const recorded = detailsOf(entry).tool_choice;
    if (recorded !== undefined) return recorded;
    const value = entry.inputs?.tool_choice;
    if (value === undefined || value === null || value === '') continue;
    // A JSON object sent as a string is the object; a bare word ("auto") is the word.
    const parsed = typeof value === 'string' ? parsedJson(value) : value;
    return parsed !== undefined && typeof parsed === 'object' ? parsed : value;
  }
  return null;
}
