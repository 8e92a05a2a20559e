import type { AgentStore } from '../../exporters/agent-store.js';
import type { QueryScope } from '../../exporters/store.js';
import type { Agent } from '../../model/agent.js';
import { looksLikeAsn, parseAsn } from '../../model/asn.js';
import { notFound, validationError } from '../api-error.js';

export const MAX_AGENT_REF_LENGTH = 1000;

/**
 * An agent reference (UUID, ASN or external id) as a path or body field. A
 * string shaped like an ASN is an ASN: with a wrong check letter it is a
 * typo, refused with a 400 rather than resolved to nothing or to another agent.
 */
export function checkAgentRef(ref: string, field: string): void {
  if (ref.length === 0 || ref.length > MAX_AGENT_REF_LENGTH) {
    throw validationError(`\`${field}\` must be 1 to ${MAX_AGENT_REF_LENGTH} characters`);
  }
  if (looksLikeAsn(ref) && parseAsn(ref) === null) {
    throw validationError(`\`${field}\` is not a valid ASN: its check letter does not match its digits (ASN-YYYY-NNNN-NNNN-X)`);
  }
}

/** The agent a path names, within the caller's scope: another organization's agent is a 404, exactly like a missing one. */
export async function agentInScope(agents: AgentStore, scope: QueryScope, ref: string): Promise<Agent> {
  checkAgentRef(ref, 'agent_id');
  const agent = await agents.findAgent(scope, ref);
  if (!agent) throw notFound(`agent ${ref} not found`);
  return agent;
}
