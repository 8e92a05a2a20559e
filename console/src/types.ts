import type { Outcome } from '../../model/ledger-entry.js';

export type { Outcome };

export interface Highlight {
  field: string;
  snippet: string;
}

export interface LedgerEntry {
  id: string;
  name: string;
  outcome: Outcome;
  cost_usd: number | string;
  duration_ms: number;
  inputs: unknown;
  outputs: unknown;
  run_id: string;
  run_status: string;
  agent_id: string | null;
  timestamp: string;
  end_timestamp?: string;
  compliance_metadata: unknown;
  organization_id: string | null;
  trace_id?: string;
  span_id?: string;
  parent_span_id?: string | null;
  kind?: string;
  model?: string | null;
  provider?: string | null;
  input_tokens?: number | null;
  output_tokens?: number | null;
  service_name?: string | null;
  status_message?: string | null;
  tags?: string[];
  attributes?: Record<string, unknown>;
  user_id?: string | null;
  highlights?: Highlight[];
  [key: string]: unknown;
}

export interface LedgerPage {
  data: LedgerEntry[];
  count: number;
  page: number | null;
  page_size: number;
  total_pages: number;
  next_cursor?: string | null;
}

export interface Agent {
  id: string;
  asn: string;
  name: string;
  status: string;
  trust_score: number;
  total_cost_usd: number | string;
  error_rate: number;
  action_count: number;
  last_seen_at: string | null;
  external_ids: string[];
  created_at: string;
}
