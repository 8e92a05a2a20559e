import type { Context } from 'koa';
import type { Principal } from '../../auth/principal.js';
import { redactValue } from '../../collector/redact/index.js';
import { ActivityRejectedError, agentsOf, type ActivityInput } from '../../exporters/agent-store.js';
import type { ActivityEvent, Agent } from '../../model/agent.js';
import { ApiError, notFound } from '../api-error.js';
import { principalOf } from '../auth-middleware.js';
import { reportedByOf } from '../actor.js';
import { checkAgentRef } from '../agents/agent-lookup.js';
import { parseBatch, parseEvent, type ReportedEvent } from '../agents/activity-body.js';
import { maxBodyBytes, type AgentRoutesOptions } from '../agents/agent-routes-options.js';
import { readJsonBody } from '../json-body.js';
import { parseQuery } from '../query-params.js';
import type { ApiRouter, ScopedAccess } from '../route-access.js';

const gone = (message: string) => new ApiError(410, 'AGENT_DEACTIVATED', message);
/** activity-events-api.txt: an `activity:report` key (or, here, an ingest one); reports count against the ingest budget. */
const REPORT: ScopedAccess = { scopes: ['activity:report', 'ingest'], rateClass: 'ingest' };

const forbidden = (message: string) => new ApiError(403, 'FORBIDDEN', message);

/**
 * POST /api/v1/activity/report and /report/batch (activity-events-api.txt).
 * Checked in this order, the whole batch before anything is written: the
 * body (400, naming the event's index and field), then each event's agent:
 * unknown (404), another organization's (403, as the seed and the issue say
 * for reports), deactivated (410). The store checks existence and status
 * again inside its transaction, so a deactivation that lands meanwhile is a
 * 410 too and nothing is written.
 */
export function activityReportRoutes(router: ApiRouter, options: AgentRoutesOptions): void {

  router.post('/api/v1/activity/report', REPORT, async (ctx) => {
    parseQuery(ctx.query, {});
    const event = parseEvent(await readJsonBody(ctx, maxBodyBytes(options)), options.maxMetadataBytes);
    const [created] = await report(ctx, [event], options, false);
    ctx.status = 201;
    ctx.body = created;
  });

  router.post('/api/v1/activity/report/batch', REPORT, async (ctx) => {
    parseQuery(ctx.query, {});
    const events = parseBatch(await readJsonBody(ctx, maxBodyBytes(options)), options.maxMetadataBytes);
    ctx.status = 201;
    ctx.body = { data: await report(ctx, events, options, true) };
  });
}

async function report(ctx: Context, events: ReportedEvent[], options: AgentRoutesOptions, batch: boolean): Promise<ActivityEvent[]> {
  const principal = principalOf(ctx)!;
  const field = (i: number) => (batch ? `events[${i}].asn` : 'asn');
  const inputs: ActivityInput[] = [];
  const resolved = new Map<string, Agent>();
  for (const [i, event] of events.entries()) {
    checkAgentRef(event.asn, field(i));
    let agent = resolved.get(event.asn);
    if (agent === undefined) {
      agent = await resolveForReport(options, principal, event.asn, field(i));
      resolved.set(event.asn, agent);
    }
    // The event is the agent's organization's (a superuser may report for any): its pseudonyms are used.
    const metadata = options.redaction
      ? (redactValue(event.metadata, options.redaction, agent.organization_id).value as Record<string, unknown>)
      : event.metadata;
    inputs.push({ agent_id: agent.id, event_type: event.event_type, severity: event.severity, metadata });
  }
  try {
    return await agentsOf(options).reportActivity(inputs, reportedByOf(principal));
  } catch (err) {
    if (!(err instanceof ActivityRejectedError)) throw err;
    const where = `\`${field(err.index)}\`: `;
    throw err.reason === 'deactivated' ? gone(where + err.message) : notFound(where + err.message);
  }
}

/** The agent an event names, as the reporting credential may write to it. */
async function resolveForReport(options: AgentRoutesOptions, principal: Principal, ref: string, field: string): Promise<Agent> {
  const own = await agentsOf(options).findAgent(
    { organization_id: principal.role === 'superuser' ? null : principal.organization_id },
    ref,
  );
  if (!own) {
    // by UUID or ASN, an agent of another organization: the reporter is not its owner
    if (await agentsOf(options).findAgent('public', ref)) {
      throw forbidden(`\`${field}\`: agent ${ref} belongs to another organization; this credential may not report for it`);
    }
    throw notFound(`\`${field}\`: agent ${ref} not found`);
  }
  if (own.status !== 'active') throw gone(`\`${field}\`: agent ${own.asn} is deactivated; activate it before reporting`);
  return own;
}
