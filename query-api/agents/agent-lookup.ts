import type { AgentStore } from '../../exporters/agent-store.js';
import type { QueryScope } from '../../exporters/store.js';
import type { Agent } from '../../model/agent.js';
import { notFound, validationError } from '../api-error.js';

export const MAX_AGENT_REF_LENGTH = 1000;

/**
 * An agent reference (UUID, ASN or external id) as a path or body field: 1 to
 * MAX_AGENT_REF_LENGTH characters. A string shaped like an ASN is looked up
 * as an ASN whatever its check letter: one we never generated finds nothing
 * (404), as the activity seed says of an unknown ASN; it is never refused
 * (its own example, `ASN-2026-0384-7721-A`, has a letter we would not
 * generate) nor taken for an external id.
 */
export function checkAgentRef(ref: string, field: string): void {
  if (ref.length === 0 || ref.length > MAX_AGENT_REF_LENGTH) {
    throw validationError(`\`${field}\` must be 1 to ${MAX_AGENT_REF_LENGTH} characters`);
  }
}

/** The agent a path names, within the caller's scope: another organization's agent is a 404, exactly like a missing one. */
export async function agentInScope(agents: AgentStore, scope: QueryScope, ref: string): Promise<Agent> {
  checkAgentRef(ref, 'agent_id');
  const agent = await agents.findAgent(scope, ref);
  if (!agent) throw notFound(`agent ${ref} not found`);
  return agent;
}
