import type { EntryDetails } from '../../model/entry-details.js';
import type { Attributes } from '../../model/ledger-entry.js';
import { newRecord } from '../../model/records.js';
import { parsedJson } from '../../model/json-values.js';

/**
 * What a mapper says about the entry's details (model/entry-details.ts);
 * null or absent means "nothing". Messages come in two ranks: a convention's
 * current message attributes beat every older flattened or SDK-specific
 * form (`legacy_*`), whichever mapper ranks higher.
 */
export type MapperDetails = { [K in keyof EntryDetails]?: EntryDetails[K] | null } & {
  legacy_input_messages?: EntryDetails['input_messages'] | null;
  legacy_output_messages?: EntryDetails['output_messages'] | null;
};

type DetailKey = keyof MapperDetails;

/** Objects merged key by key, the higher-ranked mapper's value winning each key. */
const KEYWISE = new Set<DetailKey>(['model_parameters', 'trace_metadata', 'observation_metadata', 'metadata']);
/** Lists joined in rank order: a model call offered every tool each convention lists. */
const JOINED = new Set<DetailKey>(['tool_definitions']);

/** `details` of each mapper, highest priority first, as one EntryDetails. */
export function mergeDetails(all: ReadonlyArray<MapperDetails | null | undefined>): EntryDetails {
  const merged: Record<string, unknown> = newRecord();
  for (const d of all) {
    if (!d) continue;
    for (const key of Object.keys(d) as DetailKey[]) {
      const value = d[key];
      if (value === undefined || value === null) continue;
      if (KEYWISE.has(key)) {
        const into = (merged[key] ??= newRecord()) as Record<string, unknown>;
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (!(k in into)) into[k] = v;
      } else if (JOINED.has(key)) {
        merged[key] = [...((merged[key] as unknown[] | undefined) ?? []), ...(value as unknown[])];
      } else if (!(key in merged)) {
        merged[key] = value;
      }
    }
  }
  const { legacy_input_messages, legacy_output_messages, ...details } = merged as MapperDetails & Record<string, unknown>;
  if (details.input_messages === undefined && legacy_input_messages) details.input_messages = legacy_input_messages;
  if (details.output_messages === undefined && legacy_output_messages) details.output_messages = legacy_output_messages;
  for (const key of KEYWISE) if (details[key] && Object.keys(details[key]!).length === 0) delete details[key];
  return details as EntryDetails;
}

/** A non-empty list, or null: an empty list says nothing. */
export function nonEmpty<T>(list: T[] | null | undefined): T[] | null {
  return list && list.length > 0 ? list : null;
}

/** A recorded tool choice: a JSON object sent as a string is the object; a bare word ("auto") is the word. */
export function toolChoiceOf(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return null;
  const parsed = typeof value === 'string' ? parsedJson(value) : value;
  return parsed !== undefined && typeof parsed === 'object' ? parsed : value;
}

/** Scalar request parameters of a parameter object (OpenInference, Langfuse); the request itself (model, messages, tools) is not one. */
export function parametersOf(obj: Record<string, unknown> | null): Record<string, string | number | boolean> | null {
  if (!obj) return null;
  const out: Record<string, string | number | boolean> = newRecord();
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'model' || k === 'messages' || k === 'tools' || k === 'tool_choice') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] ??= v;
  }
  return out;
}

/** Every key under `prefix` (`langfuse.trace.metadata.plan`), the prefix cut off. */
export function prefixed(a: Attributes, prefix: string): Record<string, unknown> | null {
  let out: Record<string, unknown> | null = null;
  // keys first: read only the values under the prefix
  for (const k of Object.keys(a)) {
    if (k.startsWith(prefix) && k.length > prefix.length) (out ??= newRecord())[k.slice(prefix.length)] ??= a[k];
  }
  return out;
}

/** A JSON object's entries, then those of `more` it does not name: one metadata object, the first naming of a key winning. */
export function metadataOf(obj: Record<string, unknown> | null, more: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!obj && !more) return null;
  const out: Record<string, unknown> = newRecord();
  for (const source of [obj, more]) for (const [k, v] of Object.entries(source ?? {})) if (!(k in out)) out[k] = v;
  return out;
}
