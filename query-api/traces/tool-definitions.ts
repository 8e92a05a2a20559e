import { newRecord } from '../../model/records.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { indexedList } from './indexed-attributes.js';
import { isObject, jsonArray, jsonObject, parsedJson, text } from './json-values.js';
import type { TraceTool } from './trace-types.js';

/**
 * The tools the trace's model calls were offered, first definition of a name
 * wins, in the order calls were made; then tools that ran (tool spans) but
 * whose definition no span recorded, with `description` from
 * `gen_ai.tool.description` if any and `parameters` null.
 * Definitions come from `gen_ai.tool.definitions`, OpenInference's
 * `llm.tools.N.tool.json_schema`, the AI SDK's `ai.prompt.tools`, and the
 * request itself (`tools` in the entry's inputs, `llm.invocation_parameters`).
 */
export function traceTools(actions: readonly LedgerEntry[]): TraceTool[] {
  const byName = new Map<string, TraceTool>();
  for (const entry of actions) {
    if (entry.kind !== 'llm') continue;
    for (const raw of definitionsOf(entry)) {
      const tool = toolOf(raw);
      if (tool && !byName.has(tool.name)) byName.set(tool.name, tool);
    }
  }
  for (const entry of actions) {
    if (entry.kind !== 'tool' || byName.has(entry.name)) continue;
    const description = text(entry.attributes['gen_ai.tool.description']) ?? text(entry.attributes['tool.description']);
    byName.set(entry.name, { name: entry.name, description, parameters: null, metadata: {} });
  }
  return [...byName.values()];
}

function definitionsOf(entry: LedgerEntry): unknown[] {
  const a = entry.attributes;
  const openInference = (indexedList(a, 'llm.tools.') ?? []).map((t) => t.json_schema ?? t);
  const aiSdk = Array.isArray(a['ai.prompt.tools']) ? a['ai.prompt.tools'] : (jsonArray(a['ai.prompt.tools']) ?? []);
  const inputs = entry.inputs && Array.isArray(entry.inputs.tools) ? entry.inputs.tools : [];
  const invocation = jsonObject(a['llm.invocation_parameters'])?.tools;
  return [
    ...(jsonArray(a['gen_ai.tool.definitions']) ?? []),
    ...openInference,
    ...aiSdk,
    ...inputs,
    ...(Array.isArray(invocation) ? invocation : []),
  ];
}

/** Keys the seed's fields already carry; everything else a definition says goes to `metadata`. */
const DEFINITION_KEYS = new Set(['type', 'function', 'name', 'description', 'parameters', 'input_schema', 'inputSchema']);

/** OpenAI ({type, function: {…}}), GenAI / Responses / AI SDK (flat, `parameters` or `inputSchema`), Anthropic (`input_schema`). */
export function toolOf(raw: unknown): TraceTool | null {
  const def = typeof raw === 'string' ? parsedJson(raw) : raw;
  if (!isObject(def)) return null;
  const fn = isObject(def.function) ? def.function : def;
  const name = text(fn.name);
  if (name === null) return null;
  const schema = fn.parameters ?? fn.input_schema ?? fn.inputSchema ?? null;
  const metadata: Record<string, unknown> = newRecord();
  for (const source of fn === def ? [def] : [def, fn]) {
    for (const [k, v] of Object.entries(source)) if (!DEFINITION_KEYS.has(k)) metadata[k] = v;
  }
  if (typeof def.type === 'string' && def.type !== 'function') metadata.type = def.type;
  return {
    name,
    description: text(fn.description),
    parameters: typeof schema === 'string' ? (parsedJson(schema) ?? schema) : schema,
    metadata,
  };
}
