import type { EntryDetails } from '../../model/entry-details.js';
import type { Attributes } from '../../model/ledger-entry.js';
import type { DecodedSpan } from '../otlp/decoded-span.js';
import { mappersFor } from './mappers.js';
import { runMappers } from './merge-contributions.js';
import { PayloadReader } from './payload-reader.js';

/**
 * The read-time fallback for rows stored before entries carried details:
 * the same mappers, run on the attributes the row kept. The one place a
 * reader may turn stored attributes into details (SQLite rows whose
 * `details` column is NULL, Elasticsearch documents, which keep no copy).
 */
export function detailsFromAttributes(attributes: Attributes): EntryDetails {
  const span: DecodedSpan = {
    traceId: '', spanId: '', parentSpanId: null, flags: 0, name: '', kind: 0,
    startTimeUnixNano: 0n, endTimeUnixNano: 0n, attributes, events: [], status: { code: 0, message: '' },
    resource: {}, scope: { name: '', version: '' }, truncated: [],
  };
  return runMappers(mappersFor(span), { span, payloads: new PayloadReader(64) }).details ?? {};
}

/** Details as stored (a row's own, when it has them), else read from its attributes. */
export function storedDetails(details: EntryDetails | null | undefined, attributes: Attributes): EntryDetails {
  return details ?? detailsFromAttributes(attributes);
}
