import type { ModelConfig } from '../model/model-config.js';
import { runStatus, type RunTotals } from '../model/run-rollup.js';
import { isoFromMicros } from '../model/time.js';
import type { RunSummary } from './store.js';
import { usdFromNanos } from '../model/cost.js';

/** A run's rollup as every store keeps it (model/run-rollup.ts combines it), with its key. */
export interface RunRollup extends RunTotals<ModelConfig> {
  run_id: string;
  user_id: string | null;
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
