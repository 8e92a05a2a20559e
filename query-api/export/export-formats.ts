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
  let chunk = format === 'csv' ? csvRow(CSV_COLUMNS) : format === 'json' ? '[' : '';
  let first = true;
  for await (const entry of entries) {
    if (format === 'jsonl') chunk += `${JSON.stringify(entry)}\n`;
    else if (format === 'json') chunk += `${first ? '\n' : ',\n'}${JSON.stringify(entry)}`;
    else chunk += csvRow(CSV_COLUMNS.map((c) => entry[c]));
    first = false;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (format === 'json') chunk += first ? ']\n' : '\n]\n';
  if (chunk) yield chunk;
}
