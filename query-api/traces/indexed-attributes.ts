import { newRecord } from '../../model/records.js';
import type { Attributes } from '../../model/ledger-entry.js';

/**
 * Lists that conventions flatten into indexed keys (`llm.input_messages.1.message.content`,
 * `gen_ai.prompt.0.role`, `llm.tools.0.tool.json_schema`) rebuilt as arrays of
 * objects, in index order. The collector has its own copy; query-api may not
 * import the collector (DESIGN.md, layout), and this one also drops
 * OpenInference's one-key wrappers (`message`, `tool_call`, `message_content`, `tool`).
 */
export function indexedList(attrs: Attributes, prefix: string): Record<string, unknown>[] | null {
  // No prototype: a key segment `__proto__` must be an entry, never Object.prototype to write into.
  const root: Record<string, unknown> = newRecord();
  let found = false;
  for (const [key, value] of Object.entries(attrs)) {
    if (!key.startsWith(prefix)) continue;
    const path = key.slice(prefix.length).split('.');
    if (!/^\d+$/.test(path[0])) continue;
    let node = root;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== 'object' || next === null) node[segment] = newRecord();
      node = node[segment] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
    found = true;
  }
  if (!found) return null;
  return (listOf(root) as unknown[]).map((item) => unwrap(item) as Record<string, unknown>);
}

/** Objects whose keys are all indexes become arrays, recursively. */
function listOf(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => listOf(v));
  }
  return Object.assign(newRecord(), Object.fromEntries(entries.map(([k, v]) => [k, listOf(v)])));
}

const WRAPPERS = new Set(['message', 'tool_call', 'message_content', 'tool']);

function unwrap(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrap);
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  const obj = value as Record<string, unknown>;
  if (keys.length === 1 && WRAPPERS.has(keys[0]) && typeof obj[keys[0]] === 'object') return unwrap(obj[keys[0]]);
  return Object.assign(newRecord(), Object.fromEntries(keys.map((k) => [k, unwrap(obj[k])])));
}
