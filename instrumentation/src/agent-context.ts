import { context, trace, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import { getSettings } from './settings.js';
import { SCOPE_NAME, VERSION } from './version.js';

/** The agent a piece of work belongs to, carried in the OTel context by runAgent(). */
// Symbol.for, not createContextKey: the ESM and CommonJS builds loaded side by side must share it.
const AGENT_ID_KEY = Symbol.for('@agent-ledger/instrumentation.agent-id');

export function withAgentId(ctx: Context, agentId: string | undefined): Context {
  return agentId ? ctx.setValue(AGENT_ID_KEY, agentId) : ctx;
}

/** The innermost runAgent()'s agent id, else init()'s. */
export function agentIdIn(ctx: Context = context.active()): string | undefined {
  const value = ctx.getValue(AGENT_ID_KEY);
  return typeof value === 'string' ? value : getSettings().agentId;
}

/** `gen_ai.agent.id` for a span started now, so every action names its agent (DESIGN.md, Decisions). */
export function agentAttributes(ctx: Context = context.active()): Attributes {
  const id = agentIdIn(ctx);
  return id ? { 'gen_ai.agent.id': id } : {};
}

/**
 * Through the global API, so the helpers also work under an OTel SDK the
 * application set up itself instead of init().
 */
export function ledgerTracer(): Tracer {
  return trace.getTracer(SCOPE_NAME, VERSION);
}
