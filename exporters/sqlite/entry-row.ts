import type { LedgerEntry } from '../../model/ledger-entry.js';
import { runStatus } from '../../model/run-rollup.js';
import { isoFromMicros } from '../../model/time.js';
import { usdFromNanos } from '../../model/cost.js';

/** The columns every entry read selects: entries `e` joined to its run `r`. */
export const ENTRY_COLUMNS = `e.id, e.name, e.outcome, e.cost_nanos, e.duration_ms, e.inputs, e.outputs, e.run_id,
  e.agent_id, e.ts_us, e.compliance, e.organization_id, e.trace_id, e.span_id, e.parent_span_id, e.kind, e.model,
  e.provider, e.input_tokens, e.output_tokens, e.total_tokens, e.service_name, e.status_message, e.tags,
  e.attributes, e.end_us, e.truncated_fields, e.redactions, r.root_count, r.root_error`;

/** An entry's run is its user's (run-rollup.ts): another user's spans in the same trace never set its status. */
export const ENTRY_FROM = `entries e LEFT JOIN runs r ON r.organization_id = e.organization_id AND r.run_id = e.run_id
  AND r.user_id = coalesce(e.user_id, '')`;

export interface EntryRow {
  id: string;
  name: string;
  outcome: LedgerEntry['outcome'];
  cost_nanos: number;
  duration_ms: number;
  inputs: string | null;
  outputs: string | null;
  run_id: string;
  agent_id: string | null;
  ts_us: number;
  compliance: string | null;
  organization_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  kind: LedgerEntry['kind'];
  model: string | null;
  provider: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  service_name: string | null;
  status_message: string | null;
  tags: string;
  attributes: string;
  end_us: number;
  truncated_fields: string;
  redactions: number;
  root_count: number | null;
  root_error: number | null;
}

const s = JSON.stringify;

/**
 * `JSON.stringify(entryFromRow(row))`, with the stored JSON columns spliced
 * in as they are (they were written by JSON.stringify, and parsing and
 * serialising them again gives the same text). Same keys, same order.
 */
export function entryJsonFromRow(row: EntryRow): string {
  return `{"id":${s(row.id)},"name":${s(row.name)},"outcome":${s(row.outcome)},"cost_usd":${s(usdFromNanos(row.cost_nanos))},\
"duration_ms":${s(row.duration_ms)},"inputs":${row.inputs ?? 'null'},"outputs":${row.outputs ?? 'null'},"run_id":${s(row.run_id)},\
"run_status":${s(runStatus(row.root_count, row.root_error))},"agent_id":${s(row.agent_id)},"timestamp":${s(isoFromMicros(row.ts_us))},\
"compliance_metadata":${row.compliance ?? 'null'},"organization_id":${s(row.organization_id)},"trace_id":${s(row.trace_id)},\
"span_id":${s(row.span_id)},"parent_span_id":${s(row.parent_span_id)},"kind":${s(row.kind)},"model":${s(row.model)},\
"provider":${s(row.provider)},"input_tokens":${s(row.input_tokens)},"output_tokens":${s(row.output_tokens)},\
"total_tokens":${s(row.total_tokens)},"service_name":${s(row.service_name)},"status_message":${s(row.status_message)},\
"tags":${row.tags},"attributes":${row.attributes},"end_timestamp":${s(isoFromMicros(row.end_us))},\
"truncated_fields":${row.truncated_fields},"redactions":${s(row.redactions)}}`;
}

export function entryFromRow(row: EntryRow): LedgerEntry {
  return {
    id: row.id,
    name: row.name,
    outcome: row.outcome,
    cost_usd: usdFromNanos(row.cost_nanos),
    duration_ms: row.duration_ms,
    inputs: row.inputs === null ? null : JSON.parse(row.inputs),
    outputs: row.outputs === null ? null : JSON.parse(row.outputs),
    run_id: row.run_id,
    run_status: runStatus(row.root_count, row.root_error),
    agent_id: row.agent_id,
    timestamp: isoFromMicros(row.ts_us),
    compliance_metadata: row.compliance === null ? null : JSON.parse(row.compliance),
    organization_id: row.organization_id,
    trace_id: row.trace_id,
    span_id: row.span_id,
    parent_span_id: row.parent_span_id,
    kind: row.kind,
    model: row.model,
    provider: row.provider,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    total_tokens: row.total_tokens,
    service_name: row.service_name,
    status_message: row.status_message,
    tags: JSON.parse(row.tags),
    attributes: JSON.parse(row.attributes),
    end_timestamp: isoFromMicros(row.end_us),
    truncated_fields: JSON.parse(row.truncated_fields),
    redactions: row.redactions,
  };
}
