import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeTraces, encodeJsonRequestAsProtobuf, encodeExportResponse } from '../../collector/otlp/otlp-codec.js';
import { DEFAULT_DECODE_LIMITS, DecodeError } from '../../collector/otlp/decode-limits.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';

const fixtureFiles = readdirSync(FIXTURES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(FIXTURES_DIR, d.name)).filter((f) => f.endsWith('.json')).map((f) => join(d.name, f)));

describe('OTLP decoding', () => {
  it.each(fixtureFiles)('decodes %s identically from JSON and protobuf', (file) => {
    const json = JSON.parse(readFileSync(join(FIXTURES_DIR, file), 'utf8'));
    const fromJson = decodeTraces(Buffer.from(JSON.stringify(json)), 'json', DEFAULT_DECODE_LIMITS);
    const fromProto = decodeTraces(encodeJsonRequestAsProtobuf(json), 'protobuf', DEFAULT_DECODE_LIMITS);
    expect(fromJson.rejected).toEqual([]);
    expect(fromJson.spans.length).toBeGreaterThan(0);
    expect(fromProto).toEqual(fromJson);
  });

  it('keeps nanosecond times exact', () => {
    const body = request({ startTimeUnixNano: '1795458428139000001', endTimeUnixNano: '1795458428210552022' });
    const { spans } = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', DEFAULT_DECODE_LIMITS);
    expect(spans[0].startTimeUnixNano).toBe(1795458428139000001n);
  });

  it('rejects one malformed span and keeps the others', () => {
    const body = request({}, { traceId: 'zz' });
    const decoded = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', DEFAULT_DECODE_LIMITS);
    expect(decoded.spans).toHaveLength(1);
    expect(decoded.rejected).toEqual([{ index: 1, reason: expect.stringContaining('traceId') }]);
  });

  it('names the field of a wrongly typed attribute value', () => {
    const body = request({ attributes: [{ key: 'n', value: { intValue: 'twelve' } }] });
    const decoded = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', DEFAULT_DECODE_LIMITS);
    expect(decoded.rejected[0].reason).toContain('attributes.n.intValue');
  });

  it('cuts oversized attribute values and records the key', () => {
    const big = 'é'.repeat(40_000);
    const body = request({ attributes: [{ key: 'big', value: { stringValue: big } }] });
    const { spans } = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', { ...DEFAULT_DECODE_LIMITS, maxAttributeValueBytes: 1001 });
    expect(Buffer.byteLength(spans[0].attributes.big as string)).toBe(1000);
    expect(spans[0].truncated).toEqual(['big']);
  });

  it('drops attribute nesting past the depth limit', () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 100; i++) value = { arrayValue: { values: [value] } };
    const body = request({ attributes: [{ key: 'deep', value }] });
    const { spans } = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', DEFAULT_DECODE_LIMITS);
    expect(spans[0].truncated).toEqual(['deep']);
  });

  it('throws DecodeError for bodies that are not a request', () => {
    expect(() => decodeTraces(Buffer.from('{not json'), 'json', DEFAULT_DECODE_LIMITS)).toThrow(DecodeError);
    expect(() => decodeTraces(Buffer.from('[1,2]'), 'json', DEFAULT_DECODE_LIMITS)).toThrow(DecodeError);
    expect(() => decodeTraces(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), 'protobuf', DEFAULT_DECODE_LIMITS)).toThrow(DecodeError);
    expect(() => decodeTraces(Buffer.from(JSON.stringify({ resourceSpans: 5 })), 'json', DEFAULT_DECODE_LIMITS)).toThrow(DecodeError);
  });

  it('encodes partial success in both encodings', () => {
    expect(JSON.parse(encodeExportResponse('json', 2, 'bad') as string)).toEqual({ partialSuccess: { rejectedSpans: 2, errorMessage: 'bad' } });
    expect(encodeExportResponse('json', 0, '')).toBe('{}');
    expect((encodeExportResponse('protobuf', 0, '') as Uint8Array).length).toBe(0);
  });
});

function request(overrides: Record<string, unknown>, second: Record<string, unknown> = {}) {
  const span = (o: Record<string, unknown>, id: string) => ({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: id,
    name: 'tool',
    startTimeUnixNano: '1795458428139000000',
    endTimeUnixNano: '1795458428210552022',
    ...o,
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ scope: { name: 's' }, spans: [span(overrides, 'b7ad6b7169203331'), span(second, 'b7ad6b7169203332')] }],
      },
    ],
  };
}
