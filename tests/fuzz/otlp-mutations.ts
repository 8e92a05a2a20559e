import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { encodeJsonRequestAsProtobuf } from '../../collector/otlp/otlp-codec.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';

/**
 * OTLP requests made by mutating the real captures in tests/fixtures/otlp:
 * values swapped for hostile ones (huge and out-of-window times, NaN
 * strings, deep nesting, huge strings, odd unicode, `__proto__` keys, wrong
 * types, bad hex ids), keys deleted, and bytes flipped, inserted, deleted or
 * cut off, in OTLP/JSON and in protobuf (the same captures encoded by
 * otlp-codec.ts), some gzipped.
 */

export const FIXTURES: Array<{ name: string; json: unknown }> = readdirSync(FIXTURES_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join(FIXTURES_DIR, d.name))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => ({ name: `${d.name}/${f}`, json: JSON.parse(readFileSync(join(FIXTURES_DIR, d.name, f), 'utf8')) })),
  );

const NOW_NS = BigInt(Date.now()) * 1_000_000n;

/** Hostile values as raw JSON text (so `__proto__` keys, 1e30 literals and deep nesting survive as sent). */
const HOSTILE_TIME: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '1e30', '-1e30', '1e20', '1e19', '"1000000000000000000000000000000"', '"18446744073709551615"', '18446744073709551615', '"9223372036854775807"',
    '"-9223372036854775808"', '0', '"0"', '1', '"1"', '-1', '"-1"', '1e308', '"NaN"', String(NOW_NS / 1_000_000_000n), String(NOW_NS / 1000n),
    `"${NOW_NS}"`, `"${NOW_NS + 10n ** 15n}"`, `"${NOW_NS + 3_600_000_000_000n}"`, `"${NOW_NS - 3650n * 86_400_000_000_000n}"`,
    `"${NOW_NS - 4000n * 86_400_000_000_000n}"`, `"${NOW_NS + 86_400_000_000_000n * 365n * 8000n}"`,
  ),
  fc.bigInt({ min: 0n, max: 2n ** 64n }).map((b) => `"${b}"`),
  fc.bigInt({ min: NOW_NS - 4000n * 86_400_000_000_000n, max: NOW_NS + 86_400_000_000_000n }).map((b) => `"${b}"`),
);

const HOSTILE_JSON: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: HOSTILE_TIME, weight: 3 },
  fc.constantFrom(
    '1e30', '-1e30', '1e308', '-1', '0', '-0', '18446744073709551615', '18446744073709551616', '9007199254740993', '1.5',
    '"1000000000000000000000000000000"', '"18446744073709551615"', '"-1"', '"NaN"', '"Infinity"', '"-Infinity"', '"0x10"', '"1e3"', '" 1"',
    'null', 'true', 'false', '""', '[]', '{}', '[null]', '[{}]', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}',
    '[{"key":"__proto__","value":{"stringValue":"x"}}]', '[{"key":"constructor","value":{"kvlistValue":{"values":[{"key":"prototype","value":{"intValue":1}}]}}}]',
    '{"kvlistValue":{"values":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"password","value":{"stringValue":"hunter2"}}]}}}]}}',
    '"zz"', '"0af7651916cd43dd8448eb211c80319"', '"0af7651916cd43dd8448eb211c80319cc"', '"00000000000000000000000000000000"', '"0000000000000000"',
    '"AF7651916CD43DD8"', '"g000000000000000"', '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"\\u202e\\u200b"', '"🔑🔑🔑"', '"e\\u0301"',
    '{"stringValue":1}', '{"intValue":"twelve"}', '{"intValue":1e30}', '{"doubleValue":"NaN"}', '{"doubleValue":"abc"}', '{"boolValue":"yes"}',
    '{"bytesValue":12}', '{"arrayValue":{"values":5}}', '{"kvlistValue":{"values":[{"key":5}]}}', '{"arrayValue":null}',
    String(NOW_NS), `"${NOW_NS}"`, `"${NOW_NS + 10n ** 15n}"`, `"${NOW_NS - 4000n * 86_400_000_000_000n}"`, `"${NOW_NS / 1000n}"`,
  ),
  fc.integer({ min: 1, max: 20 }).map((k) => JSON.stringify('x'.repeat(k * 50_000))),
  fc.integer({ min: 1, max: 20 }).map((k) => `[{"key":${JSON.stringify('k'.repeat(k * 50_000))},"value":{"stringValue":"v"}}]`),
  fc.integer({ min: 50, max: 5000 }).map((d) => `${'{"arrayValue":{"values":['.repeat(d)}{"stringValue":"deep"}${']}}'.repeat(d)}`),
  fc.integer({ min: 50, max: 20_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
  fc.string({ unit: 'binary', maxLength: 64 }).map((s) => JSON.stringify(s)),
  fc.double().map((d) => (Number.isFinite(d) ? JSON.stringify(d) : `"${d}"`)),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((b) => (b % 2n === 0n ? `"${b}"` : String(b))),
);

type Path = Array<string | number>;

function paths(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length) out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

const SENTINEL = '\u0001hostile\u0001';

interface ValueEdit {
  kind: 'replace' | 'delete' | 'duplicate';
  /** Picks a path among the document's (modulo their count)… */
  at: number;
  /** …or only among those ending in this field, one the collector reads (times, ids, names, keys, values, status). */
  target: string | null;
  raw: string;
}

const TARGETS = [
  'startTimeUnixNano', 'endTimeUnixNano', 'startTimeUnixNano', 'endTimeUnixNano',
  'startTimeUnixNano', 'endTimeUnixNano', 'timeUnixNano', 'traceId', 'spanId', 'parentSpanId', 'name', 'key', 'value', 'values',
  'stringValue', 'intValue', 'doubleValue', 'boolValue', 'bytesValue', 'arrayValue', 'kvlistValue', 'attributes', 'status', 'message',
  'code', 'kind', 'flags', 'events', 'resource', 'scope', 'spans', 'scopeSpans',
];

/** The document with one value replaced by raw JSON text, deleted, or its list element repeated. */
function applyEdits(json: unknown, edits: ValueEdit[]): string {
  const doc = structuredClone(json) as Record<string, unknown>;
  const raws: string[] = [];
  for (const edit of edits) {
    let all = paths(doc);
    if (edit.target) {
      const targeted = all.filter((p) => p[p.length - 1] === edit.target);
      if (targeted.length) all = targeted;
    }
    if (!all.length) break;
    const path = all[edit.at % all.length];
    const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], doc);
    const key = path[path.length - 1];
    if (edit.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (edit.kind === 'duplicate' && Array.isArray(parent)) {
      parent.splice(key as number, 0, structuredClone(parent[key as number]));
    } else {
      parent[key] = `${SENTINEL}${raws.length}`;
      raws.push(edit.raw);
    }
  }
  let text = JSON.stringify(doc);
  raws.forEach((raw, i) => {
    text = text.replace(JSON.stringify(`${SENTINEL}${i}`), () => raw);
  });
  return text;
}

/**
 * The capture with its trace ids replaced (consistently, from `salt`): the
 * store keeps the first write of a span, so a mutation of a span already
 * stored would otherwise never reach it.
 */
function freshTraceIds(json: unknown, salt: number): unknown {
  return JSON.parse(JSON.stringify(json), (key, value) =>
    key === 'traceId' && typeof value === 'string' ? createHash('sha256').update(`${salt}/${value}`).digest('hex').slice(0, 32) : value,
  );
}

interface ByteEdit {
  kind: 'flip' | 'insert' | 'delete' | 'truncate';
  at: number;
  byte: number;
}

function applyByteEdits(bytes: Uint8Array, edits: ByteEdit[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const e of edits) {
    if (out.length === 0) break;
    const at = e.at % out.length;
    if (e.kind === 'flip') out[at] ^= 1 << (e.byte % 8);
    else if (e.kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from([e.byte]), out.subarray(at)]);
    else if (e.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else out = out.subarray(0, at);
  }
  return out;
}

export interface FuzzRequest {
  label: string;
  encoding: 'json' | 'protobuf';
  body: Uint8Array;
  gzip: boolean;
}

const valueEdit: fc.Arbitrary<ValueEdit> = fc.record({
  kind: fc.constantFrom<ValueEdit['kind']>('replace', 'replace', 'replace', 'delete', 'duplicate'),
  at: fc.nat(),
  target: fc.option(fc.constantFrom(...TARGETS), { nil: null }),
  raw: HOSTILE_JSON,
});
const byteEdit: fc.Arbitrary<ByteEdit> = fc.record({
  kind: fc.constantFrom<ByteEdit['kind']>('flip', 'insert', 'delete', 'truncate'),
  at: fc.nat(),
  byte: fc.nat({ max: 255 }),
});

/** A mutated capture, as the bytes a sender would post. */
export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    fixture: fc.nat({ max: FIXTURES.length - 1 }),
    values: fc.array(valueEdit, { minLength: 0, maxLength: 4 }),
    // most requests keep their framing, so the values reach normalisation and the store
    bytes: fc.oneof({ arbitrary: fc.constant<ByteEdit[]>([]), weight: 3 }, { arbitrary: fc.array(byteEdit, { minLength: 1, maxLength: 3 }), weight: 1 }),
    salt: fc.nat(),
    encoding: fc.constantFrom<FuzzRequest['encoding']>('json', 'protobuf'),
    gzip: fc.boolean(),
  })
  .map(({ fixture, values, bytes, encoding, gzip, salt }) => {
    const { name, json } = FIXTURES[fixture];
    const text = applyEdits(freshTraceIds(json, salt), values);
    let body: Uint8Array = Buffer.from(text);
    let actual = encoding;
    if (encoding === 'protobuf') {
      try {
        // what protobufjs can encode of the edit (it coerces or drops wrong types); else sent as JSON
        body = encodeJsonRequestAsProtobuf(JSON.parse(text));
      } catch {
        actual = 'json';
      }
    }
    body = applyByteEdits(body, bytes);
    const label = `${name} ${actual}${gzip ? '+gzip' : ''}: ${values.map((v) => `${v.kind}@${v.at}=${v.raw.slice(0, 40)}`).join(', ')} ${bytes.map((b) => `${b.kind}@${b.at}`).join(',')}`;
    return { label, encoding: actual, body: gzip ? gzipSync(body) : body, gzip };
  });
