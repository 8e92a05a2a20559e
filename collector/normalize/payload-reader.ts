import type { AttrValue, JsonObject } from '../../model/ledger-entry.js';
import { isPlainObject, parseJsonText } from './json-text.js';

export type ReadValue = { present: false } | { present: true; value: unknown; text: boolean };

/**
 * Turns attribute values into ledger payloads (`inputs`, `outputs`, …). One
 * reader serves one span and remembers which fields it had to give up on
 * because their JSON nested too deep: they end in `truncated_fields`.
 */
export class PayloadReader {
  readonly truncated: string[] = [];
  // Mappers read one attribute for two fields (messages for `inputs` and for `details`): parse it once.
  private readonly parsed = new Map<string, ReturnType<typeof parseJsonText>>();

  constructor(private readonly maxDepth: number) {}

  /** The value with JSON strings parsed; prose (or plainText) stays a string. */
  read(value: AttrValue | undefined, field: string, plainText = false): ReadValue {
    if (value === undefined || value === null || value === '') return { present: false };
    if (typeof value !== 'string') return { present: true, value, text: false };
    if (plainText) return { present: true, value, text: true };
    let parsed = this.parsed.get(value);
    if (parsed === undefined) this.parsed.set(value, (parsed = parseJsonText(value, this.maxDepth)));
    if (parsed.kind === 'json') return { present: true, value: parsed.value, text: false };
    if (parsed.kind === 'too-deep') this.markTruncated(field);
    return { present: true, value, text: true };
  }

  /** Parsed JSON or the raw value; undefined when absent. */
  json(value: AttrValue | undefined, field: string): unknown {
    const r = this.read(value, field);
    return r.present ? r.value : undefined;
  }

  /** The payload rule: objects stay objects, anything else becomes {"value": …}. */
  payload(value: AttrValue | undefined, field: string, plainText = false): JsonObject | null {
    const r = this.read(value, field, plainText);
    if (!r.present) return null;
    return isPlainObject(r.value) ? r.value : { value: r.value };
  }

  /** Chat messages: a list becomes {"messages": [...]}, otherwise the payload rule. */
  messages(value: AttrValue | undefined, field: string): JsonObject | null {
    const r = this.read(value, field);
    if (!r.present) return null;
    if (Array.isArray(r.value)) return { messages: r.value };
    return isPlainObject(r.value) ? r.value : { value: r.value };
  }

  markTruncated(field: string): void {
    if (!this.truncated.includes(field)) this.truncated.push(field);
  }
}
