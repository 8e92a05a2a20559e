import { describe, expect, it } from 'vitest';
import { MAX_ATTRIBUTE_VALUE_BYTES_LIMIT } from '../../config/schema.js';
import { DEFAULT_DECODE_LIMITS } from '../../collector/otlp/decode-limits.js';
import { decodeTraces } from '../../collector/otlp/otlp-codec.js';
import { redactSpans } from '../../collector/redact/index.js';
import { fake } from '../helpers/fake-secrets.js';
import { TEST_ORG, testRules } from '../helpers/redaction.js';

/**
 * The highest `otlp.max_attribute_value_bytes` config allows is safe for
 * redaction: values of about 10 MB of these shapes overflowed the stack of a
 * redaction regex (a 500 for the whole request).
 */
const MAX = MAX_ATTRIBUTE_VALUE_BYTES_LIMIT;
const OPENAI = `sk-proj-${fake(48, 901)}`;
const SHAPES: Record<string, string> = {
  digits: '4'.repeat(MAX),
  'card-like digit groups': '4111 '.repeat(MAX / 5),
  'a PEM block': `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(MAX - 28)}`,
  'an sk- run': `sk-${'a'.repeat(MAX - 3)}`,
  'text ending in a key': `${'word '.repeat((MAX - 200) / 5)}${OPENAI}`,
};

describe('values at the largest allowed cap', () => {
  it.each(Object.entries(SHAPES))('redacts %s without overflowing', (_what, text) => {
    const span = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      name: 'step',
      kind: 1,
      startTimeUnixNano: '1795458428139000001',
      endTimeUnixNano: '1795458428210552022',
      attributes: [{ key: 'ledger.inputs', value: { stringValue: text } }],
    };
    const body = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }] };
    const decoded = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', { ...DEFAULT_DECODE_LIMITS, maxAttributeValueBytes: MAX });
    expect(decoded.rejected).toEqual([]);
    // not cut: the cap lets the whole value through to redaction
    expect(JSON.stringify(decoded.spans[0].attributes).length).toBeGreaterThan(text.length);
    expect(() => redactSpans(decoded.spans, testRules(), TEST_ORG)).not.toThrow();
    expect(JSON.stringify(decoded.spans[0].attributes)).not.toContain(OPENAI);
  });
});
