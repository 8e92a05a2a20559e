import type { EntryDetails } from './entry-details.js';
import type { EntryRecord } from './ledger-entry.js';

/** The traces seed's `modelConfig`: the model and its request parameters. */
export interface ModelConfig {
  model: string;
  provider: string | null;
  [parameter: string]: unknown;
}

type WithDetails = { details?: EntryDetails | null };

/** The model config of a model-call entry, or null for entries that called no model. */
export function modelConfigOf(entry: Pick<EntryRecord, 'model' | 'provider' | 'kind'> & WithDetails): ModelConfig | null {
  if (entry.kind !== 'llm' || !entry.model) return null;
  return { model: entry.model, provider: entry.provider, ...entry.details?.model_parameters };
}

/** `promptName` of a trace: a prompt name any of its spans recorded (DESIGN.md, Traces API), else the root span's name. */
export function promptNameOf(entry: WithDetails): string | null {
  return entry.details?.prompt_name ?? null;
}
