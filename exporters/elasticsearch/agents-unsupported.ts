import type { AgentStore } from '../agent-store.js';
import { UnsupportedQueryError } from '../store.js';

/**
 * The agent registry, activity streams and retention (exporters/agent-store.ts)
 * are not implemented on Elasticsearch yet. Every call is refused with a
 * reason, never answered from part of the data: agent routes answer 400,
 * and the retention sweep fails loudly (logged at every interval) instead
 * of silently keeping data past its retention. Nor does `write` register
 * agents or move trust scores here, as the SQLite store's does.
 */
const REASON = 'agents, activity reports and retention are not implemented by the Elasticsearch store yet (exporters/agent-store.ts)';

function refuse(): Promise<never> {
  return Promise.reject(new UnsupportedQueryError(REASON));
}

export abstract class UnsupportedAgentStore implements AgentStore {
  registerAgent = refuse;
  findAgent = refuse;
  listAgents = refuse;
  setAgentStatus = refuse;
  reportActivity = refuse;
  listActivity = refuse;
  verifyActivityChain = refuse;
  listAgentActions = refuse;
  getOrganizationPolicy = refuse;
  setOrganizationPolicy = refuse;
  sweepExpired = refuse;
}
