import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS } from '../../collector/otlp/decode-limits.js';
import { decodeLogs } from '../../collector/otlp/logs-codec.js';
import { decodeTraces } from '../../collector/otlp/otlp-codec.js';
import { isSpanGenAiEvent, logMessagesOf } from '../../collector/normalize/log-records.js';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import { redactLogRecords, redactSpans } from '../../collector/redact/index.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import { parseSearchQuery } from '../../model/search-query.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { normalizeContext } from '../helpers/normalize-spans.js';
import { testRules } from '../helpers/redaction.js';
import type { StoreHandle, StoreTarget } from './stores.js';

/**
 * GenAI events sent as OTLP log records by the official
 * @opentelemetry/instrumentation-openai (the capture tests/e2e/otlp-logs
 * records), joined to their span's entry on every store: the same records
 * through the receiver's decode, redaction and normalisation, written in
 * both orders, and the same answer expected (expectJoinedEntry, which the
 * end-to-end test asserts over HTTP too).
 */
const CAPTURE = join(FIXTURES_DIR, 'otel-genai/logs');
/** The prompt's word in the capture. */
export const CAPTURE_WORD = 'capybararecord';

/** A joined chat entry as the API answers it: the span's fields, the log events' messages. */
export function expectJoinedEntry(entry: any, word: string): void {
  expect(entry.name).toBe('chat gpt-4o-mini');
  expect(entry.kind).toBe('llm');
  expect(entry.outcome).toBe('success');
  expect([entry.input_tokens, entry.output_tokens]).toEqual([42, 9]);
  expect(entry.cost_usd).toBeGreaterThan(0);
  expect(entry.inputs.messages.map((m: any) => m.role)).toEqual(['system', 'user']);
  expect(entry.inputs.messages[1].content).toBe(`${word} where is my parcel?`);
  expect(entry.outputs.messages[0].message.content).toBe(`Answer about ${word}: shipped yesterday.`);
}

/** The capture as the receiver hands it to the queue, for one organization: entries and the GenAI events of their spans. */
export function decodedCapture(organizationId: string): { entries: EntryRecord[]; messages: LogMessageRecord[] } {
  const rules = testRules();
  const traces = decodeTraces(readFileSync(join(CAPTURE, 'traces.json')), 'json', DEFAULT_DECODE_LIMITS, 1_796_691_760_000);
  const logs = decodeLogs(readFileSync(join(CAPTURE, 'logs.json')), 'json', DEFAULT_DECODE_LIMITS, 1_796_691_760_000);
  if (traces.rejected.length || logs.rejected.length) throw new Error('the capture no longer decodes whole');
  redactSpans(traces.spans, rules, organizationId);
  redactLogRecords(logs.records, rules, organizationId);
  const entries = normalizeRequest(traces.spans, normalizeContext({ organizationId }));
  const messages = logMessagesOf(logs.records.filter(isSpanGenAiEvent), organizationId);
  if (!messages.length || !entries.length) throw new Error('the capture holds no GenAI events or no spans');
  return { entries, messages };
}

/** The log join on one store: events first, span first, each sent twice. */
export function logJoinSuite(target: StoreTarget): void {
  describe.skipIf(target.skip !== null)(`log join conformance: ${target.name}${target.skip ? ` (skipped: ${target.skip})` : ''}`, () => {
    let handle: StoreHandle;
    beforeAll(async () => {
      handle = await target.create();
      const ledger = handle.store.ledger;
      const first = decodedCapture('org_logs_first');
      await ledger.writeLogMessages(first.messages);
      await ledger.write(first.entries);
      const later = decodedCapture('org_span_first');
      await ledger.write(later.entries);
      await ledger.writeLogMessages(later.messages);
      // re-sent, in the other order: nothing doubles
      await ledger.write(first.entries);
      await ledger.writeLogMessages(first.messages);
      await ledger.writeLogMessages(later.messages);
      await handle.refresh();
    });
    afterAll(async () => handle?.dispose());

    const query = (organization_id: string, q: string) =>
      handle.store.ledger.queryLedger({ scope: { organization_id }, q: parseSearchQuery(q), sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 50 });

    for (const org of ['org_logs_first', 'org_span_first']) {
      it(`${org === 'org_logs_first' ? 'events before their span' : 'span before its events'}: q finds the prompt's word, the entry holds the messages once`, async () => {
        const page = await query(org, CAPTURE_WORD);
        expect(page.count).toBe(1);
        expectJoinedEntry(page.data[0], CAPTURE_WORD);
        expect(page.data[0].inputs!.messages).toHaveLength(2);
      });
      it(`${org}: the answer's word is found too, in the same entry only`, async () => {
        const page = await query(org, 'shipped yesterday');
        expect(page.data.map((e) => e.name)).toEqual(['chat gpt-4o-mini']);
      });
    }
  });
}
