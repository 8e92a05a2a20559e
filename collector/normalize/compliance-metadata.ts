import type { AttrValue, Attributes, ComplianceMetadata } from '../../model/ledger-entry.js';
import { newRecord } from '../../model/records.js';
import { isPlainObject } from './json-text.js';
import type { PayloadReader } from './payload-reader.js';

const WHOLE = 'ledger.compliance';
const FIELD_PREFIX = 'ledger.compliance.';

// Fields whose values are objects or lists of objects: OTLP attributes cannot
// carry those natively, so our table says they arrive as JSON strings.
const JSON_FIELDS = new Set(['input_data_sources', 'model_card']);

/**
 * `ledger.compliance` (a whole ComplianceMetadata as JSON), then every
 * `ledger.compliance.<field>` on top: the single fields win. Null when the
 * span carries none of them.
 */
export function readCompliance(attrs: Attributes, payloads: PayloadReader): ComplianceMetadata | null {
  let out: ComplianceMetadata | null = null;
  const whole = payloads.json(attrs[WHOLE], WHOLE);
  if (isPlainObject(whole)) out = Object.assign(newRecord(), whole);
  for (const key of Object.keys(attrs)) {
    if (!key.startsWith(FIELD_PREFIX)) continue;
    const field = key.slice(FIELD_PREFIX.length);
    const value = fieldValue(field, key, attrs[key], payloads);
    if (field.length === 0 || value === undefined) continue;
    out ??= newRecord();
    out[field] = value;
  }
  return out;
}

function fieldValue(field: string, key: string, raw: AttrValue, payloads: PayloadReader): unknown {
  if (raw === null) return undefined;
  if (JSON_FIELDS.has(field) && typeof raw === 'string') {
    const parsed = payloads.read(raw, key);
    // Not JSON: keep what the sender wrote rather than lose it.
    return parsed.present ? parsed.value : undefined;
  }
  return raw;
}
