import { newRecord } from '../../model/records.js';
import type { RunSummary } from '../../exporters/store.js';
import type { AttrValue, LedgerEntry } from '../../model/ledger-entry.js';
import { toCount, toNumber } from '../../collector/normalize/attribute-readers.js';
import { jsonObject, text } from './json-values.js';

/**
 * What identifies the trace beyond its numbers. Users' own metadata first:
 * Langfuse trace metadata (`langfuse.trace.metadata.*` or one JSON object,
 * any span), the root observation's `langfuse.observation.metadata.*`,
 * OpenInference's `metadata` JSON, OpenLLMetry association properties
 * (`traceloop.association.properties.*`). Then these documented keys, which
 * win over same-named user keys: `run_id` (the trace as a run, for
 * /api/v1/runs), `agent_id`, `agent_name`, `agent_version`
 * (`gen_ai.agent.version`), `user_id`, `session_id`
 * (`session.id`, `langfuse.session.id`), `conversation_id`
 * (`gen_ai.conversation.id`), `service_name`, `environment`
 * (`langfuse.environment`), `action_count`, `reasoning_tokens` (the model
 * calls' `gen_ai.usage.reasoning.output_tokens`, already part of
 * outputTokens; the AI SDK's `ai.usage.reasoningTokens`), `time_to_first_chunk`
 * (seconds, the first streamed model call's `gen_ai.response.time_to_first_chunk`,
 * `gen_ai.client.operation.time_to_first_chunk` or `ai.response.msToFirstChunk`),
 * and on a failed trace the root's
 * `status_message`. Keys without a value are left out. The first span that
 * carries a key gives its value, the root first.
 */
export function traceMetadata(run: RunSummary, root: LedgerEntry | null, actions: readonly LedgerEntry[]): Record<string, unknown> {
  const spans = root ? [root, ...actions.filter((e) => e !== root)] : [...actions];
  const out: Record<string, unknown> = newRecord();
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '' && !(key in out)) out[key] = value;
  };
  for (const e of spans) {
    for (const [k, v] of Object.entries(jsonObject(e.attributes['langfuse.trace.metadata']) ?? {})) put(k, v);
    putPrefixed(e.attributes, 'langfuse.trace.metadata.', put);
  }
  if (root) putPrefixed(root.attributes, 'langfuse.observation.metadata.', put);
  for (const e of spans) {
    for (const [k, v] of Object.entries(jsonObject(e.attributes.metadata) ?? {})) put(k, v);
    putPrefixed(e.attributes, 'traceloop.association.properties.', put);
  }

  const first = (...keys: string[]): string | null => {
    for (const e of spans) for (const k of keys) if (text(e.attributes[k])) return e.attributes[k] as string;
    return null;
  };
  const documented: Record<string, unknown> = {
    run_id: run.id,
    agent_id: run.agent_id,
    agent_name: first('gen_ai.agent.name'),
    agent_version: first('gen_ai.agent.version'),
    user_id: run.user_id ?? first('user.id', 'langfuse.user.id', 'enduser.id'),
    session_id: first('session.id', 'langfuse.session.id'),
    conversation_id: first('gen_ai.conversation.id'),
    service_name: root?.service_name ?? spans.find((e) => e.service_name)?.service_name ?? null,
    environment: first('langfuse.environment'),
    action_count: run.action_count,
    ...modelCallTimings(spans),
    status_message: run.status === 'failed' ? root?.status_message : null,
  };
  for (const [k, v] of Object.entries(documented)) {
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

function putPrefixed(attrs: Record<string, AttrValue>, prefix: string, put: (key: string, value: unknown) => void): void {
  for (const [k, v] of Object.entries(attrs)) if (k.startsWith(prefix) && k.length > prefix.length) put(k.slice(prefix.length), v);
}

/** Reasoning tokens of the trace's model calls, and how soon its first streamed call answered. */
function modelCallTimings(spans: readonly LedgerEntry[]): { reasoning_tokens?: number; time_to_first_chunk?: number } {
  let reasoning: number | undefined;
  let firstChunk: { at: string; seconds: number } | undefined;
  for (const e of spans) {
    if (e.kind !== 'llm') continue;
    const a = e.attributes;
    // The GenAI name, else the AI SDK's legacy one (kind llm: its provider calls, never the wrappers that repeat them).
    const tokens = toCount(a['gen_ai.usage.reasoning.output_tokens']) ?? toCount(a['ai.usage.reasoningTokens']);
    if (tokens !== null) reasoning = (reasoning ?? 0) + tokens;
    // @ai-sdk/otel 1.x writes the metric's name on the span; the legacy AI SDK spans count milliseconds.
    const legacyMs = toNumber(a['ai.response.msToFirstChunk']);
    const seconds =
      toNumber(a['gen_ai.response.time_to_first_chunk']) ??
      toNumber(a['gen_ai.client.operation.time_to_first_chunk']) ??
      (legacyMs === null ? null : legacyMs / 1000);
    if (seconds !== null && seconds >= 0 && (!firstChunk || e.timestamp < firstChunk.at)) firstChunk = { at: e.timestamp, seconds };
  }
  return { reasoning_tokens: reasoning, time_to_first_chunk: firstChunk?.seconds };
}
