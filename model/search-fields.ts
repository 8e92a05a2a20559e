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

export function visitSearchableValues(entry: SearchableEntry, visit: ValueVisitor): void {
  visit('name', entry.name);
  if (entry.status_message) visit('status_message', entry.status_message);
  if (entry.inputs) visitValue('inputs', entry.inputs, visit);
  if (entry.outputs) visitValue('outputs', entry.outputs, visit);
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function visitValue(path: string, value: unknown, visit: ValueVisitor): void {
  if (typeof value === 'string') {
    if (value) visit(path, value);
  } else if (typeof value === 'number') {
    if (Number.isFinite(value)) visit(path, String(value));
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) visitValue(`${path}[${i}]`, value[i], visit);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) visitValue(PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, v, visit);
  }
}
