/** The ledger's vocabulary, shared by every layer (see DESIGN.md "The model"). */

import type { EntryDetails } from './entry-details.js';
import type { Entities } from './entities.js';
import type { Highlight } from './search-highlights.js';

export const OUTCOMES = ['success', 'error', 'blocked'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const RUN_STATUSES = ['running', 'completed', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** `log`: an OTLP log record that is not a message of its span's entry (collector/normalize/log-records.ts); never a run's action. */
export const ACTION_KINDS = ['tool', 'llm', 'agent', 'chain', 'other', 'log'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/** An OTLP attribute value as we keep it: int64 beyond 2^53 stays a decimal string, bytes become base64. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export type JsonObject = Record<string, unknown>;

/** The seed's ComplianceMetadata (ledger-api.txt), all fields optional. */
export interface ComplianceMetadata {
  requires_human_approval?: boolean;
  approval_status?: 'not_required' | 'pending' | 'approved' | 'rejected' | 'timeout';
  human_in_the_loop_id?: string;
  human_in_the_loop_email?: string;
  approval_timestamp?: string;
  approval_notes?: string;
  decision_rationale?: string;
  confidence_score?: number;
  alternative_actions_considered?: string[];
  input_data_sources?: Array<{ source: string; version: string; table?: string }>;
  model_card?: { name: string; version: string; provider: string; system_prompt_hash?: string };
  policy_violations_checked?: string[];
  override_reason?: string;
  [extra: string]: unknown;
}

/**
 * One ledger entry as the collector produces it and a store writes it.
 * Times are integer microseconds since the epoch, cost is integer nano-USD:
 * both exact, unlike doubles of nanoseconds or dollars.
 */
export interface EntryRecord {
  id: string;
  organization_id: string;
  run_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  /** No parent, or a parent in another process (remote): the span that decides its run's status. */
  is_root: boolean;
  name: string;
  kind: ActionKind;
  outcome: Outcome;
  status_message: string | null;
  start_us: number;
  end_us: number;
  duration_ms: number;
  cost_nanos: number;
  model: string | null;
  provider: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  agent_id: string | null;
  service_name: string | null;
  user_id: string | null;
  inputs: JsonObject | null;
  outputs: JsonObject | null;
  compliance_metadata: ComplianceMetadata | null;
  tags: string[];
  attributes: Attributes;
  /**
   * What the span's conventions said beyond these fields (messages, tools,
   * model parameters, prompt name…), read by the mappers on ingest; absent
   * when the entry was produced before entries carried them (stores then
   * read them from the attributes: collector/normalize/stored-details.ts).
   */
  details?: EntryDetails | null;
  truncated_fields: string[];
  /** How many secrets redaction replaced in this span before it was stored. */
  redactions: number;
  /** What the action touched, extracted after redaction (collector/normalize/extract-entities.ts); only the types found. */
  entities: Entities;
}

/** The API's LedgerEntry: the seed's fields first, then the ones OTel adds. */
export interface LedgerEntry {
  id: string;
  name: string;
  outcome: Outcome;
  cost_usd: number;
  duration_ms: number;
  inputs: JsonObject | null;
  outputs: JsonObject | null;
  run_id: string;
  run_status: RunStatus;
  agent_id: string | null;
  timestamp: string;
  compliance_metadata: ComplianceMetadata | null;
  organization_id: string | null;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  kind: ActionKind;
  model: string | null;
  provider: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  service_name: string | null;
  status_message: string | null;
  tags: string[];
  attributes: Attributes;
  end_timestamp: string;
  truncated_fields: string[];
  /** How many secrets redaction replaced (`[REDACTED:<kind>]`) before the entry was stored. */
  redactions: number;
  /**
   * Only on a run's actions as the store's getRun reads them, for the traces
   * API, and not enumerable there (model/entry-details.ts withDetails): the
   * routes never send it.
   */
  details?: EntryDetails | null;
  /** Extracted at ingest (model/entities.ts); `{}` for none (and for entries stored before extraction existed). */
  entities: Entities;
  /** Only on answers to a full-text `q`: why this entry matched (search-highlights.ts). */
  highlights?: Highlight[];
}
