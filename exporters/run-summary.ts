import type { RunStatus } from '../model/ledger-entry.js';
import type { ModelConfig } from '../model/model-config.js';
import { isoFromMicros } from '../model/time.js';
import type { RunSummary } from './store.js';
import { usdFromNanos } from '../model/cost.js';

/** A run's rollup as every store keeps it (times in µs, cost in nano-USD). */
export interface RunRollup {
  run_id: string;
  agent_id: string | null;
  user_id: string | null;
  start_us: number;
  end_us: number;
  action_count: number;
  cost_nanos: number;
  root_count: number;
  root_error: number;
  root_name: string | null;
  root_span_id: string | null;
  prompt_name: string | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  model_config: ModelConfig | null;
  tags: string[];
}

/** A run is running until a root span of it has ended; then failed if a root failed. */
export function runStatus(rootCount: number | null | undefined, rootError: number | null | undefined): RunStatus {
  if (!rootCount) return 'running';
  return rootError ? 'failed' : 'completed';
}

export function runSummaryFrom(r: RunRollup): RunSummary {
  return {
    id: r.run_id,
    trace_id: r.run_id.replace(/-/g, ''),
    status: runStatus(r.root_count, r.root_error),
    agent_id: r.agent_id,
    user_id: r.user_id,
    name: r.root_name,
    root_span_id: r.root_span_id,
    prompt_name: r.prompt_name,
    started_at: isoFromMicros(r.start_us),
    ended_at: isoFromMicros(r.end_us),
    duration_ms: (r.end_us - r.start_us) / 1000,
    total_cost_usd: usdFromNanos(r.cost_nanos),
    action_count: r.action_count,
    input_tokens: r.input_tokens,
    output_tokens: r.output_tokens,
    total_tokens: r.total_tokens,
    model_config: r.model_config,
    tags: r.tags,
  };
}
