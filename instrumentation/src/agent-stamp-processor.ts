import type { Context } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';
import { agentIdIn } from './agent-context.js';

/**
 * Stamps `gen_ai.agent.id` on every span the SDK starts, ours or another
 * instrumentation's (HTTP, an LLM SDK's own spans), unless it names one:
 * DESIGN.md says our instrumentation stamps it on every span, so the
 * ledger never has to guess an action's agent.
 */
export class AgentStampProcessor implements tracing.SpanProcessor {
  onStart(span: tracing.Span, parentContext: Context): void {
    if (span.attributes['gen_ai.agent.id'] !== undefined) return;
    const id = agentIdIn(parentContext);
    if (id) span.setAttribute('gen_ai.agent.id', id);
  }

  onEnd(): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
