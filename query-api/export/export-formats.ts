import type { LedgerEntry } from '../../model/ledger-entry.js';
import { csvRow } from './csv-cell.js';

export const EXPORT_FORMATS = ['jsonl', 'json', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPE: Record<ExportFormat, string> = {
  jsonl: 'application/x-ndjson; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8; header=present',
};

/** CSV columns: the seed's LedgerEntry fields first, then ours; objects become JSON text. */
export const CSV_COLUMNS: ReadonlyArray<keyof LedgerEntry> = [
  'id', 'timestamp', 'name', 'outcome', 'cost_usd', 'duration_ms', 'inputs', 'outputs', 'run_id', 'run_status',
  'agent_id', 'compliance_metadata', 'organization_id', 'trace_id', 'span_id', 'parent_span_id', 'kind', 'model',
  'provider', 'input_tokens', 'output_tokens', 'total_tokens', 'service_name', 'status_message', 'tags',
  'end_timestamp', 'truncated_fields', 'redactions', 'attributes',
];

/** Lines are grouped into chunks of about this many characters: fewer, larger writes. */
const CHUNK_CHARS = 64 * 1024;

/** Serialises entries one by one into text chunks; memory holds one chunk, never the export. */
export async function* serializeExport(entries: AsyncIterable<LedgerEntry>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') yield* chunked(csvLines(entries), { open: csvRow(CSV_COLUMNS) });
  else yield* serializeEntryJson(jsonTexts(entries), format);
}

/** JSONL or a JSON array from the entries' JSON texts, in chunks (JSON.stringify, or a store's Store.exportLedgerJson). */
export function serializeEntryJson(texts: AsyncIterable<readonly string[]>, format: 'jsonl' | 'json'): AsyncGenerator<string> {
  return format === 'jsonl'
    ? chunked(texts, { after: '\n' })
    : chunked(texts, { open: '[', first: '\n', between: ',\n', close: (empty) => (empty ? ']\n' : '\n]\n') });
}

async function* jsonTexts(entries: AsyncIterable<LedgerEntry>): AsyncGenerator<string[]> {
  for await (const entry of entries) yield [JSON.stringify(entry)];
}

async function* csvLines(entries: AsyncIterable<LedgerEntry>): AsyncGenerator<string[]> {
  for await (const entry of entries) yield [csvRow(CSV_COLUMNS.map((c) => entry[c]))];
}

interface Framing {
  open?: string;
  /** before the first line, between two lines, after each line */
  first?: string;
  between?: string;
  after?: string;
  close?: (empty: boolean) => string;
}

async function* chunked(lines: AsyncIterable<readonly string[]>, f: Framing): AsyncGenerator<string> {
  let chunk = f.open ?? '';
  let empty = true;
  for await (const group of lines) {
    for (const line of group) {
      chunk += `${(empty ? f.first : f.between) ?? ''}${line}${f.after ?? ''}`;
      empty = false;
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
  }
  chunk += f.close?.(empty) ?? '';
  if (chunk) yield chunk;
}
