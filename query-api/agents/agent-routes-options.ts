import type { RedactionRules } from '../../collector/redact/index.js';
import type { AgentStore } from '../../exporters/agent-store.js';

/** What the agent and activity routes need besides the request. */
export interface AgentRoutesOptions {
  agents: AgentStore;
  /** Applied to activity metadata as to spans; null when redaction is off. */
  redaction: RedactionRules | null;
  /** Serialised size of one event's metadata (agents.max_metadata_bytes). */
  maxMetadataBytes: number;
}

/** A request body: room for a full batch of events at the metadata cap, plus their envelopes. */
export function maxBodyBytes(options: AgentRoutesOptions): number {
  return 500 * (options.maxMetadataBytes + 1024) + 1024;
}
