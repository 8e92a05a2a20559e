import type { RunSummary } from '../../exporters/store.js';
import type { TraceSummary } from './trace-types.js';

/** DESIGN.md, Traces API: `ledger.prompt.name`, else `langfuse.observation.prompt.name` (both rolled up as prompt_name), else the root span's name. */
export function promptNameOfRun(run: Pick<RunSummary, 'prompt_name' | 'name'>): string | null {
  return run.prompt_name ?? run.name;
}

/** A run as the seed's TraceSummary: the same numbers the runs API shows, renamed. */
export function traceSummaryOf(run: RunSummary): TraceSummary {
  return {
    traceId: run.trace_id,
    promptName: promptNameOfRun(run),
    status: run.status,
    tags: run.tags,
    inputTokens: run.input_tokens,
    outputTokens: run.output_tokens,
    totalTokens: run.total_tokens,
    cost: run.total_cost_usd,
    duration: run.duration_ms,
    modelConfig: run.model_config,
    createdAt: run.started_at,
  };
}

/** Epoch ms of an ISO time; Date.parse keeps the milliseconds of a microsecond timestamp and drops the rest. */
export function epochMillis(iso: string): number {
  return Date.parse(iso);
}
