import type { AttrValue, Attributes, EntryRecord } from './ledger-entry.js';

/** The traces seed's `modelConfig`: the model and its request parameters. */
export interface ModelConfig {
  model: string;
  provider: string | null;
  [parameter: string]: unknown;
}

const GENAI_PARAMETERS: Record<string, string> = {
  'gen_ai.request.temperature': 'temperature',
  'gen_ai.request.max_tokens': 'max_tokens',
  'gen_ai.request.top_p': 'top_p',
  'gen_ai.request.top_k': 'top_k',
  'gen_ai.request.frequency_penalty': 'frequency_penalty',
  'gen_ai.request.presence_penalty': 'presence_penalty',
  'gen_ai.request.stop_sequences': 'stop_sequences',
  'gen_ai.request.seed': 'seed',
  'gen_ai.request.stream': 'stream',
};

/** JSON-string attributes that hold a whole parameter object (OpenInference, Langfuse). */
const PARAMETER_OBJECTS = ['llm.invocation_parameters', 'langfuse.observation.model.parameters'];

function parseObject(v: AttrValue | undefined): Record<string, unknown> | null {
  if (typeof v !== 'string') return null;
  try {
    const parsed = JSON.parse(v);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export function modelParameters(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of PARAMETER_OBJECTS) {
    const obj = parseObject(attributes[key]);
    if (!obj) continue;
    for (const [k, v] of Object.entries(obj)) {
      if (k === 'model' || k === 'messages' || k === 'tools' || k === 'tool_choice') continue;
      if (v !== null && typeof v !== 'object') out[k] ??= v;
    }
  }
  for (const [attr, name] of Object.entries(GENAI_PARAMETERS)) {
    if (attributes[attr] !== undefined && attributes[attr] !== null) out[name] = attributes[attr];
  }
  return out;
}

/** The model config of a model-call entry, or null for entries that called no model. */
export function modelConfigOf(entry: Pick<EntryRecord, 'model' | 'provider' | 'kind' | 'attributes'>): ModelConfig | null {
  if (entry.kind !== 'llm' || !entry.model) return null;
  return { model: entry.model, provider: entry.provider, ...modelParameters(entry.attributes) };
}

/** `promptName` of a trace: a documented attribute on any of its spans, else the root span's name. */
export const PROMPT_NAME_ATTRIBUTES = ['ledger.prompt.name', 'langfuse.observation.prompt.name'];

export function promptNameOf(attributes: Attributes): string | null {
  for (const key of PROMPT_NAME_ATTRIBUTES) {
    const v = attributes[key];
    if (typeof v === 'string' && v) return v;
  }
  return null;
}
