import type { RedactionRules } from '../../collector/redact/index.js';
import type { AgentStore } from '../../exporters/agent-store.js';

/** What the agent and activity routes need besides the request. */
export interface AgentRoutesOptions {
  /**
   * null when the store declares no agents: the routes stay declared with
   * their access, and a request that passes it is refused as a query the
   * store cannot answer (400, naming why: exporters/agent-store.ts agentsOf).
   */
  agents: AgentStore | null;
  /** Applied to activity metadata as to spans; null when redaction is off. */
  redaction: RedactionRules | null;
  /** Serialised size of one event's metadata (agents.max_metadata_bytes). */
  maxMetadataBytes: number;
}

/** A request body: room for a full batch of events at the metadata cap, plus their envelopes. */
export function maxBodyBytes(options: AgentRoutesOptions): number {
  return 500 * (options.maxMetadataBytes + 1024) + 1024;
}
