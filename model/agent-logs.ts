import type { ActivityEvent, AgentLog } from './agent.js';
import type { ActionKind, Outcome } from './ledger-entry.js';

/** What a feed log needs of a ledger entry (a narrow read: the feed never loads whole payloads it does not show). */
export interface LedgerLogSource {
  id: string;
  organization_id: string;
  name: string;
  kind: ActionKind;
  outcome: Outcome;
  status_message: string | null;
  timestamp: string;
  duration_ms: number;
  cost_usd: number;
  run_id: string;
  trace_id: string;
  span_id: string;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  inputs: Record<string, unknown> | null;
  instance_id: string | null;
  /** Only for `log` entries (collector/normalize/log-records.ts): the span it was emitted in, its body, its severity. */
  log?: { parent_span_id: string | null; body: unknown; severity_text: string | null; severity_number: number | null };
}

/** The feed's `log_type` of a ledger entry: a failure or a refusal first, else what kind of action it was. */
export function ledgerLogType(kind: ActionKind, outcome: Outcome): string {
  if (kind === 'log') return 'log';
  if (outcome === 'error') return 'error';
  if (outcome === 'blocked') return 'blocked';
  if (kind === 'tool') return 'tool_call';
  if (kind === 'llm') return 'llm_call';
  return 'agent_run';
}

const ms = (n: number) => `${Math.round(n * 10) / 10} ms`;

/** One readable line: "send_email failed: Connection timeout", "chat claude-3-5-sonnet: 250 → 1000 tokens (812 ms)". */
export function ledgerLogMessage(e: LedgerLogSource): string {
  if (e.kind === 'log') return logLine(e);
  if (e.outcome === 'error') return `${e.name} failed: ${e.status_message ?? 'unknown error'}`;
  if (e.outcome === 'blocked') return `${e.name} blocked${e.status_message ? `: ${e.status_message}` : ''}`;
  if (e.kind === 'llm') {
    const tokens = e.input_tokens !== null || e.output_tokens !== null ? `: ${e.input_tokens ?? 0} → ${e.output_tokens ?? 0} tokens` : '';
    return `${e.model ? `${e.name} (${e.model})` : e.name}${tokens} (${ms(e.duration_ms)})`;
  }
  if (e.kind === 'tool') return `${e.name} succeeded (${ms(e.duration_ms)})`;
  return `${e.name} completed (${ms(e.duration_ms)})`;
}

/** A log message's length in the feed's `message`; the whole body is `metadata.body`. */
const LOG_MESSAGE_CHARS = 1000;

/** "[ERROR] payment refused": the body as text, cut, after its severity. */
function logLine(e: LedgerLogSource): string {
  const body = e.log?.body;
  let text = body === null || body === undefined ? e.name : typeof body === 'string' ? body : JSON.stringify(body);
  if (text.length > LOG_MESSAGE_CHARS) text = `${text.slice(0, LOG_MESSAGE_CHARS)}…`;
  const severity = e.log?.severity_text || null;
  return severity ? `[${severity}] ${text}` : text;
}

export function ledgerLog(e: LedgerLogSource, agentId: string, expiresAt: string): AgentLog {
  if (e.kind === 'log') {
    return {
      organization_id: e.organization_id,
      agent_resource_id: agentId,
      log_type: 'log',
      message: logLine(e),
      id: e.id,
      instance_id: e.instance_id,
      metadata: {
        source: 'ledger',
        kind: 'log',
        name: e.name,
        outcome: e.outcome,
        severity_text: e.log?.severity_text ?? null,
        severity_number: e.log?.severity_number ?? null,
        body: e.log?.body ?? null,
        // the span the record was emitted in (null outside a trace); the entry's own span id is its id's key
        trace_id: e.log?.parent_span_id ? e.trace_id : null,
        span_id: e.log?.parent_span_id ?? null,
        run_id: e.log?.parent_span_id ? e.run_id : null,
      },
      timestamp: e.timestamp,
      expires_at: expiresAt,
    };
  }
  const metadata: Record<string, unknown> = {
    source: 'ledger',
    action_name: e.name,
    kind: e.kind,
    outcome: e.outcome,
    ...(e.kind === 'tool' ? { tool_name: e.name } : {}),
    ...(e.model !== null ? { model: e.model } : {}),
    arguments: e.inputs,
    error: e.outcome === 'success' ? null : e.status_message,
    cost_usd: e.cost_usd,
    duration_ms: e.duration_ms,
    run_id: e.run_id,
    trace_id: e.trace_id,
    span_id: e.span_id,
  };
  return {
    organization_id: e.organization_id,
    agent_resource_id: agentId,
    log_type: ledgerLogType(e.kind, e.outcome),
    message: ledgerLogMessage(e),
    id: e.id,
    instance_id: e.instance_id ?? e.run_id,
    metadata,
    timestamp: e.timestamp,
    expires_at: expiresAt,
  };
}

/** An activity event as a feed log: `log_type` is its event type. */
export function activityLog(e: ActivityEvent, organizationId: string): AgentLog {
  const instance = e.metadata.instance_id;
  return {
    organization_id: organizationId,
    agent_resource_id: e.agent_id,
    log_type: e.event_type,
    message: `${e.event_type}${e.severity === 'info' ? '' : ` (${e.severity})`} reported by ${e.reported_by}`,
    id: e.id,
    instance_id: typeof instance === 'string' ? instance : null,
    metadata: { source: 'activity', severity: e.severity, reported_by: e.reported_by, sequence: e.sequence, hash: e.hash, details: e.metadata },
    timestamp: e.created_at,
    expires_at: e.expires_at,
  };
}
