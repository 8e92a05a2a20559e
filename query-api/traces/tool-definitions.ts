import type { LedgerEntry } from '../../model/ledger-entry.js';
import { toolDefinitions } from '../../model/tool-definition.js';
import { detailsOf } from './llm-messages.js';
import type { TraceTool } from './trace-types.js';

/**
 * The tools the trace's model calls were offered, first definition of a name
 * wins, in the order calls were made; then tools that ran (tool spans) but
 * whose definition no span recorded, with their recorded description if any
 * and `parameters` null. Definitions are those the conventions recorded
 * (model/entry-details.ts), then the request itself (`tools` in the entry's inputs).
 */
export function traceTools(actions: readonly LedgerEntry[]): TraceTool[] {
  const byName = new Map<string, TraceTool>();
  for (const entry of actions) {
    if (entry.kind !== 'llm') continue;
    const inputs = entry.inputs && Array.isArray(entry.inputs.tools) ? toolDefinitions(entry.inputs.tools) : [];
    for (const tool of [...(detailsOf(entry).tool_definitions ?? []), ...inputs]) {
      if (!byName.has(tool.name)) byName.set(tool.name, tool);
    }
  }
  for (const entry of actions) {
    if (entry.kind !== 'tool' || byName.has(entry.name)) continue;
    byName.set(entry.name, { name: entry.name, description: detailsOf(entry).tool_description ?? null, parameters: null, metadata: {} });
  }
  return [...byName.values()];
}
