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
    expect(decoded.rejected).toEqual([{ index: 1, reason: expect.stringContaining('traceId'), kind: 'invalid_span' }]);
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

  describe('time window', () => {
    const NOW_MS = 1_795_458_500_000; // a little after the spans of request()
    const decode = (body: unknown, limits = DEFAULT_DECODE_LIMITS, encoding: 'json' | 'protobuf' = 'json') =>
      decodeTraces(encoding === 'json' ? Buffer.from(JSON.stringify(body)) : encodeJsonRequestAsProtobuf(body), encoding, limits, NOW_MS);
    const DAY_NS = 86_400_000_000_000n;
    const now = BigInt(NOW_MS) * 1_000_000n;

    it.each([
      ['start 1e30 (JSON number)', { startTimeUnixNano: 1e30 }, 'startTimeUnixNano'],
      ['start 1e30 (string)', { startTimeUnixNano: '1' + '0'.repeat(30) }, 'startTimeUnixNano'],
      ['end 1e30 (JSON number)', { endTimeUnixNano: 1e30 }, 'endTimeUnixNano'],
      ['end 1e30 (string)', { endTimeUnixNano: '1' + '0'.repeat(30) }, 'endTimeUnixNano'],
      ['start 1 ns', { startTimeUnixNano: '1' }, 'startTimeUnixNano'],
      ['start 0', { startTimeUnixNano: '0' }, 'startTimeUnixNano'],
      ['no start', { startTimeUnixNano: undefined }, 'startTimeUnixNano'],
      ['end 0', { endTimeUnixNano: 0 }, 'endTimeUnixNano'],
      ['end before start', { endTimeUnixNano: '1795458428138999999' }, 'endTimeUnixNano'],
      ['negative start', { startTimeUnixNano: '-1795458428139000000' }, 'startTimeUnixNano'],
      ['start a day past the skew', { startTimeUnixNano: String(now + DAY_NS), endTimeUnixNano: String(now + DAY_NS) }, 'startTimeUnixNano'],
      ['end an hour and a second ahead', { endTimeUnixNano: String(now + 3_601_000_000_000n) }, 'endTimeUnixNano'],
      ['start older than ten years', { startTimeUnixNano: String(now - 3651n * DAY_NS) }, 'startTimeUnixNano'],
    ])('rejects a span with %s, naming the field, and keeps the other', (_label, overrides, field) => {
      const decoded = decode(request(overrides));
      expect(decoded.spans.map((s) => s.spanId)).toEqual(['b7ad6b7169203332']);
      expect(decoded.rejected).toEqual([{ index: 0, reason: expect.stringContaining(`spans[0].${field}\``), kind: expect.stringMatching(/^(invalid_span|out_of_window)$/) }]);
    });

    it('rejects fixed64 max in protobuf like 1e30 in JSON', () => {
      const decoded = decode(request({ startTimeUnixNano: '18446744073709551615', endTimeUnixNano: '18446744073709551615' }), DEFAULT_DECODE_LIMITS, 'protobuf');
      expect(decoded.rejected).toEqual([{ index: 0, reason: expect.stringContaining('startTimeUnixNano'), kind: 'out_of_window' }]);
    });

    it('takes the edges of the window, and follows its configuration', () => {
      const oldest = now - 3650n * DAY_NS;
      const latest = now + 3_600_000_000_000n;
      expect(decode(request({ startTimeUnixNano: String(oldest), endTimeUnixNano: String(latest) })).rejected).toEqual([]);
      const narrow = { ...DEFAULT_DECODE_LIMITS, maxSpanAgeDays: 1, maxFutureSkewSeconds: 0 };
      expect(decode(request({ startTimeUnixNano: String(now - 2n * DAY_NS) }), narrow).rejected).toEqual([expect.objectContaining({ kind: 'out_of_window' })]);
      expect(decode(request({ endTimeUnixNano: String(now + 1_000_000n) }), narrow).rejected).toHaveLength(1);
      expect(decode(request({}), narrow).rejected).toEqual([]);
    });
  });

  describe('caps on names, keys and status messages', () => {
    const limits = { ...DEFAULT_DECODE_LIMITS, maxNameBytes: 100, maxAttributeValueBytes: 1000 };
    const decodeOne = (overrides: Record<string, unknown>, resource: unknown[] = []) => {
      const body = request(overrides);
      (body.resourceSpans[0].resource.attributes as unknown[]).push(...resource);
      (body.resourceSpans[0].scopeSpans[0] as any).scope = { name: 'S'.repeat(5000), version: '1' };
      const json = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', limits);
      const proto = decodeTraces(encodeJsonRequestAsProtobuf(body), 'protobuf', limits);
      expect(proto).toEqual(json);
      return json.spans[0];
    };

    it('cuts span, event and scope names and marks them', () => {
      const span = decodeOne({ name: 'é'.repeat(4 * 1024 * 1024), events: [{ name: 'E'.repeat(5000), timeUnixNano: '1795458428139000000' }] });
      expect(Buffer.byteLength(span.name)).toBe(100);
      expect(span.name).toBe('é'.repeat(50));
      expect(span.events[0].name).toBe('E'.repeat(100));
      expect(span.scope.name).toBe('S'.repeat(100));
      expect(span.truncated).toEqual(expect.arrayContaining(['name', 'events[0].name', 'scope.name']));
    });

    it('cuts attribute keys of spans, events, nested lists and resources, recording the key as stored', () => {
      const key = '🔑'.repeat(1024 * 1024);
      const span = decodeOne(
        {
          attributes: [
            { key, value: { stringValue: 'v' } },
            { key: 'nested', value: { kvlistValue: { values: [{ key, value: { intValue: 1 } }] } } },
          ],
          events: [{ name: 'e', attributes: [{ key: `e${key}`, value: { boolValue: true } }] }],
        },
        [{ key: `r${key}`, value: { stringValue: 'v' } }],
      );
      const cut = '🔑'.repeat(25);
      expect(Object.keys(span.attributes)).toEqual([cut, 'nested']);
      expect(Object.keys(span.attributes.nested as object)).toEqual([cut]);
      expect(Object.keys(span.resource)).toEqual(['service.name', `r${'🔑'.repeat(24)}`]);
      expect(span.truncated).toEqual(expect.arrayContaining([cut, 'nested', `resource.r${'🔑'.repeat(24)}`, `e${'🔑'.repeat(24)}`]));
    });

    it('cuts the status message at the attribute value cap', () => {
      const span = decodeOne({ status: { code: 2, message: 'm'.repeat(3 * 1024 * 1024) } });
      expect(span.status.message).toBe('m'.repeat(1000));
      expect(span.truncated).toContain('status_message');
    });

    it('quotes only the start of a huge key or value in a rejection', () => {
      const body = request({ attributes: [{ key: 'k'.repeat(1024 * 1024), value: { intValue: 'x'.repeat(1024 * 1024) } }] });
      const decoded = decodeTraces(Buffer.from(JSON.stringify(body)), 'json', DEFAULT_DECODE_LIMITS);
      expect(decoded.rejected).toHaveLength(1);
      expect(decoded.rejected[0].reason.length).toBeLessThan(400);
    });
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
