import type { EntryDetails } from '../../model/entry-details.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { payloadMessages } from '../../model/payload-messages.js';
import type { TraceMessage } from './trace-types.js';

type WithDetails = { details?: EntryDetails | null };

const NONE: EntryDetails = Object.freeze({});

/** An action's details; none when the store read none (model/ledger-entry.ts). */
export function detailsOf(entry: WithDetails): EntryDetails {
  return entry.details ?? NONE;
}

/**
 * What a model call was sent and what it answered: the messages its
 * conventions recorded (read on ingest, model/entry-details.ts), else the
 * entry's `inputs` / `outputs`, which hold the raw request / response
 * (`input.value`, Langfuse's input / output) and message content that came
 * as span events or log records.
 */
export function inputMessagesOf(entry: Pick<LedgerEntry, 'inputs'> & WithDetails): TraceMessage[] {
  return detailsOf(entry).input_messages ?? payloadMessages(entry.inputs, 'user') ?? [];
}

export function outputMessagesOf(entry: Pick<LedgerEntry, 'outputs'> & WithDetails): TraceMessage[] {
  return detailsOf(entry).output_messages ?? payloadMessages(entry.outputs, 'assistant') ?? [];
}

/** Embedding calls send texts to vectorise, not a conversation. */
export function isEmbeddingCall(entry: WithDetails): boolean {
  return detailsOf(entry).embedding === true;
}
