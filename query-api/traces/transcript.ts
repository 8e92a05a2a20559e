import type { LedgerEntry } from '../../model/ledger-entry.js';
import { inputMessagesOf, isEmbeddingCall, outputMessagesOf } from './llm-messages.js';
import { toolSpanMessages } from './tool-span-messages.js';
import type { TraceMessage } from './trace-types.js';

/**
 * The trace's conversation, one list, in the order things happened. Actions
 * are read in start order: each model call adds what it was sent that the
 * transcript does not hold yet (every call resends the history before it, so
 * the prefix already seen is skipped, even when other conversations of the
 * same trace came in between), then what it answered; each tool span adds
 * its call and result unless a model call already recorded that call id.
 */
export function traceMessages(actions: readonly LedgerEntry[]): TraceMessage[] {
  const t = new Transcript();
  for (const entry of actions) {
    if (entry.kind === 'llm' && !isEmbeddingCall(entry)) {
      t.addRequest(inputMessagesOf(entry));
      for (const m of outputMessagesOf(entry)) t.add(m);
    } else if (entry.kind === 'tool') {
      const { call, result, callId } = toolSpanMessages(entry);
      if (!t.callIds.has(callId)) t.add(call);
      if (!t.resultIds.has(callId)) t.add(result);
    }
  }
  return t.messages;
}

class Transcript {
  readonly messages: TraceMessage[] = [];
  readonly callIds = new Set<string>();
  readonly resultIds = new Set<string>();

  /** Skips the longest prefix of `request` found, in order, in the transcript; adds the rest. */
  addRequest(request: TraceMessage[]): void {
    let from = 0;
    let k = 0;
    for (; k < request.length; k++) {
      let at = from;
      while (at < this.messages.length && !sameMessage(this.messages[at], request[k])) at++;
      if (at === this.messages.length) break;
      from = at + 1;
    }
    for (const m of request.slice(k)) this.add(m);
  }

  /** Adds a message, leaving out tool calls and results the transcript already shows. */
  add(message: TraceMessage): void {
    if (message.role === 'tool' && message.tool_call_id && this.resultIds.has(message.tool_call_id)) return;
    let m = message;
    if (m.tool_calls) {
      const fresh = m.tool_calls.filter((c) => c.id === null || !this.callIds.has(c.id));
      if (fresh.length === 0 && m.content === null) return;
      m = fresh.length > 0 ? { ...m, tool_calls: fresh } : { role: m.role, content: m.content };
      for (const c of fresh) if (c.id !== null) this.callIds.add(c.id);
    }
    if (m.role === 'tool' && m.tool_call_id) this.resultIds.add(m.tool_call_id);
    this.messages.push(m);
  }
}

/**
 * When two recordings are the same message: tool results by the call they
 * answer, tool requests by their call ids (wording around them may differ
 * between a response and the next request, and the transcript may keep only
 * some of a message's calls), anything else by role and content.
 */
function sameMessage(a: TraceMessage, b: TraceMessage): boolean {
  if (a.role !== b.role) return false;
  if (a.role === 'tool' && a.tool_call_id && b.tool_call_id) return a.tool_call_id === b.tool_call_id;
  const ids = new Set(callIds(a));
  if (ids.size > 0 || callIds(b).length > 0) return callIds(b).some((id) => ids.has(id));
  return a.content === b.content && JSON.stringify(a.tool_calls ?? []) === JSON.stringify(b.tool_calls ?? []);
}

function callIds(m: TraceMessage): string[] {
  return (m.tool_calls ?? []).map((c) => c.id).filter((id): id is string => id !== null);
}
