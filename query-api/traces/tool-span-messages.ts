import type { LedgerEntry } from '../../model/ledger-entry.js';
import { displayText, isObject } from '../../model/json-values.js';
import { detailsOf } from './llm-messages.js';
import type { TraceMessage } from './trace-types.js';

/**
 * A tool span as the two messages a chat transcript would show: the
 * assistant asking for the call, and the tool's answer. Instrumentations that
 * record no message content (the OTel GenAI instrumentation sends it to logs)
 * or no tool calls (Langfuse) still show what the agent did this way.
 */
export function toolSpanMessages(entry: LedgerEntry): { call: TraceMessage; result: TraceMessage; callId: string } {
  const callId = toolCallIdOf(entry);
  return {
    callId,
    call: { role: 'assistant', content: null, tool_calls: [{ id: callId, name: entry.name, args: entry.inputs }] },
    result: { role: 'tool', content: toolResultText(entry), tool_call_id: callId },
  };
}

/** The model's call id as recorded; else the span id, so call and result still pair up. */
export function toolCallIdOf(entry: Pick<LedgerEntry, 'details' | 'span_id'>): string {
  return detailsOf(entry).tool_call_id ?? entry.span_id;
}

/** Text results stay text (`{"value": text}` is how the normaliser keeps them); a failed call shows its error. */
function toolResultText(entry: LedgerEntry): string | null {
  const out = entry.outputs;
  if (out === null) return entry.status_message;
  const keys = Object.keys(out);
  if (keys.length === 1 && (keys[0] === 'value' || (keys[0] === 'error' && entry.outcome === 'error'))) {
    const only = out[keys[0]];
    if (!isObject(only) && !Array.isArray(only)) return displayText(only);
  }
  return JSON.stringify(out);
}
