import type { ActionKind, Outcome } from '../model/ledger-entry.js';
import { countsInRun } from '../model/run-rollup.js';
import { outcomeObservation, type TrustObservation } from '../model/trust-score.js';

/** An agent's counters a batch moves: actions, errors, cost and the last time it was seen. */
export interface Usage {
  count: number;
  errors: number;
  cost_nanos: number;
  last_us: number;
}

/** What one batch of entries does to one agent, both stores alike. */
export interface AgentDelta extends Usage {
  organization_id: string;
  external_id: string;
  name: string | null;
  observations: TrustObservation[];
  /** The same counters per user, for the user role's view of the agent. */
  users: Map<string, Usage>;
}

export interface AgentEntry {
  organization_id: string;
  agent_id: string | null;
  /** The name the span's conventions gave the agent, which names it when registered. */
  agent_name: string | null;
  user_id: string | null;
  kind: ActionKind;
  outcome: Outcome;
  cost_nanos: number;
  start_us: number;
}

/** Adds an entry to its agent's delta (keyed by organization and agent id). */
export function addToAgentDeltas(deltas: Map<string, AgentDelta>, e: AgentEntry): void {
  if (e.agent_id === null) return;
  const key = `${e.organization_id}\u0000${e.agent_id}`;
  let d = deltas.get(key);
  if (!d) {
    d = { organization_id: e.organization_id, external_id: e.agent_id, name: e.agent_name, count: 0, errors: 0, cost_nanos: 0, last_us: e.start_us, observations: [], users: new Map() };
    deltas.set(key, d);
  }
  // A log line registers its agent and shows it alive, but is no action: neither counted nor an outcome for trust.
  if (!countsInRun(e.kind)) {
    d.last_us = Math.max(d.last_us, e.start_us);
    return;
  }
  count(d, e);
  d.observations.push(outcomeObservation(e.outcome, e.start_us));
  if (e.user_id !== null) {
    let u = d.users.get(e.user_id);
    if (!u) d.users.set(e.user_id, (u = { count: 0, errors: 0, cost_nanos: 0, last_us: e.start_us }));
    count(u, e);
  }
}

function count(u: Usage, e: AgentEntry): void {
  u.count++;
  if (e.outcome === 'error') u.errors++;
  u.cost_nanos += e.cost_nanos;
  u.last_us = Math.max(u.last_us, e.start_us);
}
