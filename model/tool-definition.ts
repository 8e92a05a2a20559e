import type { ToolDefinition } from './entry-details.js';
import { isObject, parsedJson, text } from './json-values.js';
import { newRecord } from './records.js';

/** Keys the seed's fields already carry; everything else a definition says goes to `metadata`. */
const DEFINITION_KEYS = new Set(['type', 'function', 'name', 'description', 'parameters', 'input_schema', 'inputSchema']);

/** OpenAI ({type, function: {…}}), GenAI / Responses / AI SDK (flat, `parameters` or `inputSchema`), Anthropic (`input_schema`). */
export function toolOf(raw: unknown): ToolDefinition | null {
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

/** Definitions in any of those shapes, unreadable ones left out. */
export function toolDefinitions(raw: readonly unknown[]): ToolDefinition[] {
  const out: ToolDefinition[] = [];
  for (const r of raw) {
    const tool = toolOf(r);
    if (tool) out.push(tool);
  }
  return out;
}
