import type { LedgerEntry } from '../../model/ledger-entry.js';
import { runStatus } from '../../model/run-rollup.js';
import { isoFromMicros } from '../../model/time.js';
import { usdFromNanos } from '../../model/cost.js';

/** The columns every entry read selects: entries `e` joined to its run `r`, in entryRowOf's order (its one source). */
export const ENTRY_COLUMNS = Object.keys(entryRowOf([]))
  .map((f) => (f.startsWith('root_') ? `r.${f}` : `e.${f}`))
  .join(', ');

/** An entry's run is its user's (run-rollup.ts): another user's spans in the same trace never set its status. */
export const ENTRY_FROM = `entries e LEFT JOIN runs r ON r.organization_id = e.organization_id AND r.run_id = e.run_id
  AND r.user_id = coalesce(e.user_id, '')`;

/** ENTRY_COLUMNS as an array (`stmt.raw()`): better-sqlite3 builds a row as an array ~1.8x faster than as an object (measured). */
export function entryRowOf(v: any[]): EntryRow {
  return {
    id: v[0], name: v[1], outcome: v[2], cost_nanos: v[3], duration_ms: v[4], inputs: v[5], outputs: v[6], run_id: v[7],
    agent_id: v[8], ts_us: v[9], compliance: v[10], organization_id: v[11], trace_id: v[12], span_id: v[13], parent_span_id: v[14],
    kind: v[15], model: v[16], provider: v[17], input_tokens: v[18], output_tokens: v[19], total_tokens: v[20], service_name: v[21],
    status_message: v[22], tags: v[23], attributes: v[24], end_us: v[25], truncated_fields: v[26], redactions: v[27],
    entities: v[28], root_count: v[29], root_error: v[30],
  };
}

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
  /** JSON (model/entities.ts), NULL for none. */
  entities: string | null;
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
"truncated_fields":${row.truncated_fields},"redactions":${s(row.redactions)},"entities":${row.entities ?? '{}'}}`;
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
    entities: row.entities === null ? {} : JSON.parse(row.entities),
  };
}
