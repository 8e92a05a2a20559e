import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { LedgerAttributes } from './attributes.js';
import { safeStringify } from './json-payload.js';

/** The ledger's ComplianceMetadata (the ledger-api seed), field for field. */
export interface ComplianceMetadata {
  // Human-in-the-loop (EU AI Act Article 14)
  requires_human_approval?: boolean;
  approval_status?: 'not_required' | 'pending' | 'approved' | 'rejected' | 'timeout';
  human_in_the_loop_id?: string;
  human_in_the_loop_email?: string;
  approval_timestamp?: string;
  approval_notes?: string;
  // Decision transparency
  decision_rationale?: string;
  confidence_score?: number;
  alternative_actions_considered?: string[];
  // Data lineage
  input_data_sources?: Array<{ source: string; version: string; table?: string }>;
  model_card?: { name: string; version: string; provider: string; system_prompt_hash?: string };
  // Audit flags
  policy_violations_checked?: string[];
  override_reason?: string;
}

/**
 * `ledger.compliance.<field>` attributes, as the contract says: scalars as
 * scalars, string arrays as string arrays, anything else (objects, lists of
 * objects) as JSON text, since OTLP attributes cannot nest.
 */
export function complianceAttributes(meta: ComplianceMetadata | undefined): Attributes {
  const out: Attributes = {};
  if (!meta) return out;
  for (const [field, value] of Object.entries(meta)) {
    const attr = attributeValue(value);
    if (attr !== undefined) out[LedgerAttributes.COMPLIANCE_PREFIX + field] = attr;
  }
  return out;
}

function attributeValue(value: unknown): AttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return safeStringify(value);
}
