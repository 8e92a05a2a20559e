import type { JsonObject } from './ledger-entry.js';

/**
 * What `q` searches in an entry, in this order: the action name (the tool's
 * name for tool calls), the status / error message, then every string and
 * number inside `inputs` and `outputs` (LLM messages live there), depth
 * first in key order. Keys, booleans and everything else are not searched.
 * Values are what the store holds: redacted at ingest, so a secret that was
 * removed cannot be found.
 */
export interface SearchableEntry {
  name: string;
  status_message: string | null;
  inputs: JsonObject | null;
  outputs: JsonObject | null;
}

/** `field` is a path like `inputs.query`, `outputs.messages[0].parts[1].content` or `name`. */
export type ValueVisitor = (field: string, text: string) => void;

/** Indexing needs no paths (`field` is then ''): building them for every value costs ingest time. */
export function visitSearchableValues(entry: SearchableEntry, visit: ValueVisitor, withPaths = true): void {
  visit('name', entry.name);
  if (entry.status_message) visit('status_message', entry.status_message);
  if (entry.inputs) visitValue(withPaths ? 'inputs' : null, entry.inputs, visit);
  if (entry.outputs) visitValue(withPaths ? 'outputs' : null, entry.outputs, visit);
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function visitValue(path: string | null, value: unknown, visit: ValueVisitor): void {
  if (typeof value === 'string') {
    if (value) visit(path ?? '', value);
  } else if (typeof value === 'number') {
    if (Number.isFinite(value)) visit(path ?? '', String(value));
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) visitValue(path === null ? null : `${path}[${i}]`, value[i], visit);
  } else if (value !== null && typeof value === 'object') {
    for (const key in value) {
      const child = path === null ? null : PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      visitValue(child, (value as Record<string, unknown>)[key], visit);
    }
  }
}
