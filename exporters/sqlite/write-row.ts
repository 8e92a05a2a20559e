import type { Entities } from '../../model/entities.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { storedDetails } from '../../collector/normalize/stored-details.js';
import type { EntryDetails } from '../../model/entry-details.js';
import { payloadMessages } from '../../model/payload-messages.js';
import { modelConfigOf, promptNameOf } from '../../model/model-config.js';
import { entryFtsText } from './fts-text.js';

/**
 * An entry as the writer stores it: the `entries` row's parameters, its
 * full-text row, and the few fields the run, rollup, agent and term upkeep
 * read. Built on the thread that produced the entry, so the single writer
 * thread spends its time in SQLite (profiled: JSON, tokenising and cloning
 * the nested entry were a third of its time), and a flat object is cheap
 * to pass to it.
 */
export interface WriteRow
  extends Pick<
    EntryRecord,
    | 'organization_id'
    | 'run_id'
    | 'trace_id'
    | 'span_id'
    | 'name'
    | 'kind'
    | 'outcome'
    | 'agent_id'
    | 'user_id'
    | 'is_root'
    | 'start_us'
    | 'end_us'
    | 'duration_ms'
    | 'cost_nanos'
    | 'input_tokens'
    | 'output_tokens'
    | 'total_tokens'
    | 'tags'
  > {
  /** INSERT parameters in `entries` column order (entry-writer.ts). */
  params: unknown[];
  /** The FTS5 row (fts-text.ts); null when the payload index is off. */
  fts: string | null;
  /** The agent name the span recorded, to name an agent registered from this span. */
  agent_name: string | null;
  prompt_name: string | null;
  /** JSON of the model configuration, for LLM spans. */
  model_config: string | null;
  /** The `entities` table's (type, value) pairs of this entry. */
  entities: Array<[string, string]>;
}

/**
 * Messages the traces API would read back from `inputs` / `outputs` alike
 * (llm-messages.ts: details first, then these) are not stored twice: measured
 * on the bench corpus, they were most of the 155 B a row the column added.
 */
function storedForm(details: EntryDetails, e: EntryRecord): EntryDetails {
  const { input_messages, output_messages, ...rest } = details;
  const stored: EntryDetails = rest;
  if (input_messages && !sameJson(input_messages, payloadMessages(e.inputs, 'user'))) stored.input_messages = input_messages;
  if (output_messages && !sameJson(output_messages, payloadMessages(e.outputs, 'assistant'))) stored.output_messages = output_messages;
  return stored;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function json(v: unknown): string | null {
  return v === null || v === undefined ? null : JSON.stringify(v);
}

/** The agent's name the span's conventions gave (its details), which names an agent it registers; null when none. */
export function agentNameOf(e: Pick<EntryRecord, 'details' | 'attributes'>): string | null {
  return storedDetails(e.details, e.attributes).agent_name ?? null;
}

export function toWriteRow(e: EntryRecord, fulltext: boolean): WriteRow {
  // an entry queued before entries carried details (a job from an older receiver) gets them as ingest would
  const details = storedDetails(e.details, e.attributes);
  const config = modelConfigOf({ ...e, details });
  return {
    params: [
      e.id, e.organization_id, e.run_id, e.trace_id, e.span_id, e.parent_span_id, e.is_root ? 1 : 0, e.name, e.kind,
      e.outcome, e.status_message, e.start_us, e.end_us, e.duration_ms, e.cost_nanos, e.model, e.provider,
      e.input_tokens, e.output_tokens, e.total_tokens, e.agent_id, e.service_name, e.user_id, json(e.inputs),
      json(e.outputs), json(e.compliance_metadata), JSON.stringify(e.tags), JSON.stringify(e.attributes),
      JSON.stringify(e.truncated_fields), e.redactions, JSON.stringify(storedForm(details, e)), entitiesJson(e.entities),
    ],
    fts: fulltext ? entryFtsText(e) : null,
    organization_id: e.organization_id,
    run_id: e.run_id,
    trace_id: e.trace_id,
    span_id: e.span_id,
    name: e.name,
    kind: e.kind,
    outcome: e.outcome,
    agent_id: e.agent_id,
    user_id: e.user_id,
    is_root: e.is_root,
    start_us: e.start_us,
    end_us: e.end_us,
    duration_ms: e.duration_ms,
    cost_nanos: e.cost_nanos,
    input_tokens: e.input_tokens,
    output_tokens: e.output_tokens,
    total_tokens: e.total_tokens,
    tags: e.tags,
    agent_name: details.agent_name ?? null,
    prompt_name: promptNameOf({ details }),
    model_config: config ? JSON.stringify(config) : null,
    entities: Object.entries(e.entities).flatMap(([type, values]) => (values ?? []).map((v): [string, string] => [type, v])),
  };
}

/** NULL for none: most entries touch nothing, and an empty object per row is bytes for nothing. */
function entitiesJson(entities: Entities): string | null {
  return Object.keys(entities).length === 0 ? null : JSON.stringify(entities);
}

/** JSON columns of `entries`, stored as text. */
type JsonColumns = 'inputs' | 'outputs' | 'compliance_metadata' | 'tags' | 'attributes' | 'truncated_fields' | 'details' | 'entities';

/** An `entries` row as stored (SELECT *): JSON columns as text, is_root as 0/1, the start time as `ts_us`. */
export interface StoredEntryRow extends Omit<EntryRecord, JsonColumns | 'is_root' | 'start_us'> {
  seq: number;
  is_root: number;
  ts_us: number;
  inputs: string | null;
  outputs: string | null;
  compliance: string | null;
  tags: string;
  attributes: string;
  truncated_fields: string;
  /** NULL (or no such column) in rows written before entries carried details. */
  details?: string | null;
  /** Absent from a catalog's legacy `entries` (before partitions), NULL for none. */
  entities?: string | null;
}

const parsed = (text: string | null) => (text === null ? null : JSON.parse(text));

/** A stored row back as the writer's row: for moving a ledger into partitions and for the catalog's catch-up. */
export function writeRowFromStored(row: StoredEntryRow, fulltext: boolean): WriteRow {
  const attributes = JSON.parse(row.attributes);
  const record: EntryRecord = {
    id: row.id, organization_id: row.organization_id, run_id: row.run_id, trace_id: row.trace_id, span_id: row.span_id,
    parent_span_id: row.parent_span_id, is_root: row.is_root === 1, name: row.name, kind: row.kind, outcome: row.outcome,
    status_message: row.status_message, start_us: row.ts_us, end_us: row.end_us, duration_ms: row.duration_ms,
    cost_nanos: row.cost_nanos, model: row.model, provider: row.provider, input_tokens: row.input_tokens,
    output_tokens: row.output_tokens, total_tokens: row.total_tokens, agent_id: row.agent_id, service_name: row.service_name,
    user_id: row.user_id, inputs: parsed(row.inputs), outputs: parsed(row.outputs), compliance_metadata: parsed(row.compliance),
    tags: JSON.parse(row.tags), attributes, truncated_fields: JSON.parse(row.truncated_fields),
    details: storedDetails(row.details ? JSON.parse(row.details) : null, attributes),
    redactions: row.redactions, entities: row.entities ? JSON.parse(row.entities) : {},
  };
  return toWriteRow(record, fulltext);
}
