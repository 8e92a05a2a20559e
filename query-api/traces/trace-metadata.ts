import { newRecord } from '../../model/records.js';
import type { RunSummary } from '../../exporters/store.js';
import type { AttrValue, LedgerEntry } from '../../model/ledger-entry.js';
import { jsonObject, text } from './json-values.js';

/**
 * What identifies the trace beyond its numbers. Users' own metadata first:
 * Langfuse trace metadata (`langfuse.trace.metadata.*` or one JSON object,
 * any span), the root observation's `langfuse.observation.metadata.*`,
 * OpenInference's `metadata` JSON, OpenLLMetry association properties
 * (`traceloop.association.properties.*`). Then these documented keys, which
 * win over same-named user keys: `run_id` (the trace as a run, for
 * /api/v1/runs), `agent_id`, `agent_name`, `user_id`, `session_id`
 * (`session.id`, `langfuse.session.id`), `conversation_id`
 * (`gen_ai.conversation.id`), `service_name`, `environment`
 * (`langfuse.environment`), `action_count`, and on a failed trace the root's
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
    user_id: run.user_id ?? first('user.id', 'langfuse.user.id', 'enduser.id'),
    session_id: first('session.id', 'langfuse.session.id'),
    conversation_id: first('gen_ai.conversation.id'),
    service_name: root?.service_name ?? spans.find((e) => e.service_name)?.service_name ?? null,
    environment: first('langfuse.environment'),
    action_count: run.action_count,
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
