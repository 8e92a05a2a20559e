import { newRecord } from '../../model/records.js';
import type { RunSummary } from '../../exporters/store.js';
import type { EntryDetails } from '../../model/entry-details.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { detailsOf } from './llm-messages.js';

/**
 * What identifies the trace beyond its numbers, from the spans' details
 * (model/entry-details.ts). Users' own metadata first: trace metadata (any
 * span), the root observation's metadata, other metadata (OpenInference's
 * `metadata`, OpenLLMetry association properties). Then these documented keys, which
 * win over same-named user keys: `run_id` (the trace as a run, for
 * /api/v1/runs), `agent_id`, `agent_name`, `agent_version`, `user_id`, `session_id`,
 * `conversation_id`, `service_name`, `environment`, `action_count`,
 * `reasoning_tokens` (summed over the model calls; already part of outputTokens),
 * `time_to_first_chunk` (seconds, the first streamed model call's), and on a failed trace the root's
 * `status_message`. Keys without a value are left out. The first span that
 * carries a key gives its value, the root first.
 */
export function traceMetadata(run: RunSummary, root: LedgerEntry | null, actions: readonly LedgerEntry[]): Record<string, unknown> {
  const spans = root ? [root, ...actions.filter((e) => e !== root)] : [...actions];
  const details = spans.map(detailsOf);
  const out: Record<string, unknown> = newRecord();
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '' && !(key in out)) out[key] = value;
  };
  for (const d of details) for (const [k, v] of Object.entries(d.trace_metadata ?? {})) put(k, v);
  if (root) for (const [k, v] of Object.entries(detailsOf(root).observation_metadata ?? {})) put(k, v);
  for (const d of details) for (const [k, v] of Object.entries(d.metadata ?? {})) put(k, v);

  const first = (field: 'agent_name' | 'agent_version' | 'end_user_id' | 'session_id' | 'conversation_id' | 'environment'): string | null =>
    details.find((d) => d[field])?.[field] ?? null;
  const documented: Record<string, unknown> = {
    run_id: run.id,
    agent_id: run.agent_id,
    agent_name: first('agent_name'),
    agent_version: first('agent_version'),
    user_id: run.user_id ?? first('end_user_id'),
    session_id: first('session_id'),
    conversation_id: first('conversation_id'),
    service_name: root?.service_name ?? spans.find((e) => e.service_name)?.service_name ?? null,
    environment: first('environment'),
    action_count: run.action_count,
    ...modelCallTimings(spans, details),
    status_message: run.status === 'failed' ? root?.status_message : null,
  };
  for (const [k, v] of Object.entries(documented)) {
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

/** Reasoning tokens of the trace's model calls (kind llm: never the wrappers that repeat them), and how soon its first streamed call answered. */
function modelCallTimings(spans: readonly LedgerEntry[], details: readonly EntryDetails[]): { reasoning_tokens?: number; time_to_first_chunk?: number } {
  let reasoning: number | undefined;
  let firstChunk: { at: string; seconds: number } | undefined;
  spans.forEach((e, i) => {
    if (e.kind !== 'llm') return;
    const d = details[i];
    if (d.reasoning_tokens !== undefined) reasoning = (reasoning ?? 0) + d.reasoning_tokens;
    if (d.time_to_first_chunk !== undefined && (!firstChunk || e.timestamp < firstChunk.at)) firstChunk = { at: e.timestamp, seconds: d.time_to_first_chunk };
  });
  return { reasoning_tokens: reasoning, time_to_first_chunk: firstChunk?.seconds };
}
