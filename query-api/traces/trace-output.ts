import type { RunSummary } from '../../exporters/store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { outputMessagesOf } from './llm-messages.js';
import type { TraceMessage, TraceOutput } from './trace-types.js';

/**
 * The trace's final answer. `message`: what the root span says it returned
 * (its output messages' last text, or its output as JSON text; on failure the
 * error it recorded), else the last assistant text of the transcript (an
 * agent root often records no output), else null. `success`: the trace
 * completed, i.e. its root span ended without error; false while it is
 * running or when it failed. A blocked action inside a completed trace does
 * not make it unsuccessful: its agent carried on.
 */
export function traceOutput(run: Pick<RunSummary, 'status'>, root: LedgerEntry | null, messages: TraceMessage[]): TraceOutput {
  return { message: rootAnswer(root) ?? lastAssistantText(messages), success: run.status === 'completed' };
}

function rootAnswer(root: LedgerEntry | null): string | null {
  if (!root?.outputs) return null;
  const said = lastAssistantText(outputMessagesOf(root));
  if (said !== null) return said;
  const keys = Object.keys(root.outputs);
  // The normaliser's {"error": message} for a failed span with no output of its own.
  if (root.outcome === 'error' && keys.length === 1 && keys[0] === 'error' && typeof root.outputs.error === 'string') {
    return root.outputs.error;
  }
  return JSON.stringify(root.outputs);
}

function lastAssistantText(messages: TraceMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'assistant' && messages[i].content !== null) return messages[i].content;
  }
  return null;
}
