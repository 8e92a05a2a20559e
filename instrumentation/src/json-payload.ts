import { diag } from '@opentelemetry/api';
import { getSettings, type RedactContext, type RedactHook } from './settings.js';

export interface PayloadOptions {
  redact?: RedactHook;
  maxPayloadBytes?: number;
}

/**
 * A value as the JSON text a span attribute carries: redacted (the call's
 * hook, else init()'s), serialised without throwing (cycles, BigInt, Maps,
 * Errors) and capped in size. Over the cap the text is replaced by a marker
 * object with a preview, because a cut JSON text would no longer parse and
 * the collector would keep it only as an opaque string.
 * Undefined when there is nothing to record.
 */
export function payloadJson(value: unknown, context: RedactContext, options: PayloadOptions = {}): string | undefined {
  const settings = getSettings();
  const redact = options.redact ?? settings.redact;
  let recorded = value;
  if (redact) {
    try {
      recorded = redact(value, context);
    } catch (err) {
      // Never record what a failed redaction may have meant to hide.
      diag.warn(`agent-ledger: redaction hook failed for ${context.kind} of ${context.name}; payload dropped`, err);
      return JSON.stringify({ redaction_failed: true });
    }
  }
  if (recorded === undefined) return undefined;
  const text = safeStringify(recorded);
  if (text === undefined) return undefined;
  return capped(text, options.maxPayloadBytes ?? settings.maxPayloadBytes);
}

export function capped(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  // Leave room for the marker around the preview (escaping can grow it, hence the /2).
  const previewChars = Math.max(0, Math.floor((maxBytes - 128) / 2));
  return JSON.stringify({ truncated: true, original_bytes: bytes, preview: text.slice(0, previewChars) });
}

/** JSON.stringify that never throws: cycles become "[Circular]", BigInt a string, Errors their name and message. */
export function safeStringify(value: unknown): string | undefined {
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(value, function replacer(_key, v: unknown) {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'function' || typeof v === 'symbol') return undefined;
      if (v instanceof Error) return { name: v.name, message: v.message };
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Set) return [...v];
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
  } catch {
    return JSON.stringify({ unserializable: true });
  }
}
