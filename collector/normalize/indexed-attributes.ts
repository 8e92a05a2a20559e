import type { Attributes } from '../../model/ledger-entry.js';
import { newRecord } from '../../model/records.js';

/**
 * Rebuilds lists that older conventions flatten into indexed keys
 * (`gen_ai.prompt.0.role`, `llm.input_messages.1.message.content`, …).
 * Numeric path segments become array positions, in index order.
 */
export function unflattenIndexed(attrs: Attributes, prefix: string): unknown[] | null {
  // Asked of nearly every span and almost never present: allocate nothing until a key matches.
  let root: Node | null = null;
  let found = false;
  for (const key of Object.keys(attrs)) {
    if (!key.startsWith(prefix)) continue;
    const path = key.slice(prefix.length).split('.');
    if (!/^\d+$/.test(path[0])) continue;
    root ??= new Map();
    found = insert(root, path, attrs[key]) || found;
  }
  if (!root || !found) return null;
  const out = build(root);
  return Array.isArray(out) ? out : null;
}

type Node = Map<string, Node | { leaf: unknown }>;

function insert(root: Node, path: string[], value: unknown): boolean {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node.get(path[i]);
    if (next === undefined) {
      const child: Node = new Map();
      node.set(path[i], child);
      node = child;
    } else if (next instanceof Map) node = next;
    else return false; // a leaf already sits where a container is needed: keep the first
  }
  const last = path[path.length - 1];
  if (node.has(last)) return false;
  node.set(last, { leaf: value });
  return true;
}

function build(node: Node): unknown {
  const keys = [...node.keys()];
  const value = (k: string): unknown => {
    const child = node.get(k)!;
    return child instanceof Map ? build(child) : child.leaf;
  };
  if (keys.every((k) => /^\d+$/.test(k))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map(value);
  }
  const obj: Record<string, unknown> = newRecord();
  for (const k of keys) obj[k] = value(k);
  return obj;
}

/**
 * OpenInference wraps every list item in a one-key object (`message`,
 * `tool_call`, `message_content`); readers want the item itself.
 */
export function unwrapItems(value: unknown, wrappers: readonly string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => unwrapItems(v, wrappers));
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && wrappers.includes(keys[0])) {
    return unwrapItems((value as Record<string, unknown>)[keys[0]], wrappers);
  }
  const out: Record<string, unknown> = newRecord();
  for (const k of keys) out[k] = unwrapItems((value as Record<string, unknown>)[k], wrappers);
  return out;
}
