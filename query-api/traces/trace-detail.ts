import type { RunDetail } from '../../exporters/store.js';
import { rootEntryOf } from './root-entry.js';
import { traceToolChoice } from './tool-choice.js';
import { traceTools } from './tool-definitions.js';
import { traceMessages } from './transcript.js';
import { traceMetadata } from './trace-metadata.js';
import { traceOutput } from './trace-output.js';
import { epochMillis, promptNameOfRun } from './trace-summary.js';
import type { TraceDetail } from './trace-types.js';

/** A run and its actions as the seed's trace detail. Numbers come from the run's rollup, as in the list. */
export function traceDetailOf({ run, actions }: RunDetail): TraceDetail {
  const root = rootEntryOf(run, actions);
  const messages = traceMessages(actions);
  return {
    traceId: run.trace_id,
    promptName: promptNameOfRun(run),
    messages,
    output: traceOutput(run, root, messages),
    inputTokens: run.input_tokens,
    outputTokens: run.output_tokens,
    totalTokens: run.total_tokens,
    cost: run.total_cost_usd,
    costCurrency: 'USD',
    duration: run.duration_ms,
    modelConfig: run.model_config,
    tools: traceTools(actions),
    toolChoice: traceToolChoice(actions),
    status: run.status,
    tags: run.tags,
    metadata: traceMetadata(run, root, actions),
    createdAt: run.started_at,
    timestamp: epochMillis(run.started_at),
  };
}
