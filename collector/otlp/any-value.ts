import type { AttrValue, Attributes } from '../../model/ledger-entry.js';
import { newRecord } from '../../model/records.js';
import type { DecodeLimits } from './decode-limits.js';

/**
 * Converts OTLP AnyValue / KeyValue lists to plain values. The same property
 * names arrive from protobufjs messages and from OTLP/JSON, so one converter
 * serves both: int64 as Long, number or decimal string; bytes as Uint8Array
 * (protobuf) or base64 (JSON).
 */

export class ValueTypeError extends Error {}

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
  toString(): string;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

function isLong(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && typeof (v as LongLike).high === 'number';
}

/**
 * A 64-bit integer (int64 or fixed64) as a BigInt, from any of its encodings.
 * Decimal text is at most 20 digits: BigInt of millions of digits (a few
 * bytes gzipped) would hold the event loop for seconds.
 */
export function toBigInt(v: unknown, field: string): bigint {
  if (typeof v === 'bigint') return within64Bits(v, field);
  if (typeof v === 'number' && Number.isFinite(v)) return within64Bits(BigInt(Math.trunc(v)), field);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    if (v.length > 21) throw new ValueTypeError(`\`${field}\` must be a 64-bit integer, got ${v.length} characters of digits`);
    return within64Bits(BigInt(v), field);
  }
  if (isLong(v)) {
    const unsigned = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return v.unsigned || v.high >= 0 ? unsigned : unsigned - (1n << 64n);
  }
  if (v === undefined || v === null) return 0n;
  // The value is not echoed: the message reaches logs and the sender, and redaction never saw it.
  throw new ValueTypeError(`\`${field}\` must be an integer, got ${Array.isArray(v) ? 'an array' : typeof v === 'string' ? 'a non-integer string' : `a ${typeof v}`}`);
}

function within64Bits(b: bigint, field: string): bigint {
  if (b < INT64_MIN || b > UINT64_MAX) throw new ValueTypeError(`\`${field}\` must be a 64-bit integer`);
  return b;
}

const QUOTE_CHARS = 64;

/**
 * A sender's value or key as an error message shows it: cut short, since the
 * message goes back in partialSuccess and into the logs.
 */
export function quote(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > QUOTE_CHARS ? `${v.slice(0, QUOTE_CHARS)}…` : v);
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'a list' : 'an object';
  return String(v);
}

/** A key as a field path shows it (the path is only for messages). */
function pathKey(key: string): string {
  return key.length > QUOTE_CHARS ? `${key.slice(0, QUOTE_CHARS)}…` : key;
}

function intValue(v: unknown, field: string): number | string {
  const b = toBigInt(v, field);
  if (b > INT64_MAX) throw new ValueTypeError(`\`${field}\` must be a 64-bit signed integer`);
  return b > MAX_SAFE || b < -MAX_SAFE ? b.toString() : Number(b);
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length <= maxBytes / 3 || Buffer.byteLength(s) <= maxBytes) return s;
  // Every UTF-16 unit is at least a byte: encode only the head (a 50 MiB name costs no 50 MiB copy).
  let head = s.slice(0, maxBytes);
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  const buf = Buffer.from(head).subarray(0, maxBytes);
  // drop the last character when the cut split it (a whole one stays)
  let lead = buf.length - 1;
  while (lead > 0 && (buf[lead] & 0xc0) === 0x80) lead--;
  const length = buf[lead] < 0x80 ? 1 : buf[lead] >= 0xf0 ? 4 : buf[lead] >= 0xe0 ? 3 : 2;
  return buf.subarray(0, lead + length <= buf.length ? buf.length : lead).toString('utf8');
}

export class AttributeConverter {
  constructor(private readonly limits: DecodeLimits) {}

  /** KeyValue[] to a record; keys cut to the name cap, or whose values were cut, are pushed to `truncated` (as stored). */
  keyValues(list: unknown, field: string, truncated: string[], depth = 0): Attributes {
    const out: Attributes = newRecord();
    if (list === undefined || list === null) return out;
    if (!Array.isArray(list)) throw new ValueTypeError(`\`${field}\` must be a list of key/value pairs`);
    for (let i = 0; i < list.length; i++) {
      const kv = list[i] as { key?: unknown; value?: unknown } | null;
      if (!kv || typeof kv.key !== 'string') throw new ValueTypeError(`\`${field}[${i}].key\` must be a string`);
      const key = truncateUtf8(kv.key, this.limits.maxNameBytes);
      const state = { cut: key.length !== kv.key.length };
      out[key] = this.value(kv.value, `${field}.${pathKey(key)}`, depth, state);
      if (state.cut) truncated.push(key);
    }
    return out;
  }

  private value(v: unknown, field: string, depth: number, state: { cut: boolean }): AttrValue {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'object') throw new ValueTypeError(`\`${field}\` must be an AnyValue object`);
    const any = v as Record<string, unknown>;
    if (any.stringValue != null) {
      if (typeof any.stringValue !== 'string') throw new ValueTypeError(`\`${field}.stringValue\` must be a string`);
      const s = truncateUtf8(any.stringValue, this.limits.maxAttributeValueBytes);
      if (s.length !== any.stringValue.length) state.cut = true;
      return s;
    }
    if (any.boolValue != null) {
      if (typeof any.boolValue !== 'boolean') throw new ValueTypeError(`\`${field}.boolValue\` must be a boolean`);
      return any.boolValue;
    }
    if (any.intValue != null) return intValue(any.intValue, `${field}.intValue`);
    if (any.doubleValue != null) {
      const d = typeof any.doubleValue === 'string' ? Number(any.doubleValue) : any.doubleValue;
      if (typeof d !== 'number' || Number.isNaN(d)) throw new ValueTypeError(`\`${field}.doubleValue\` must be a number`);
      return d;
    }
    if (any.bytesValue != null) {
      // stored as base64 text, so capped like a string value
      let b64: string;
      if (any.bytesValue instanceof Uint8Array) b64 = Buffer.from(any.bytesValue).toString('base64');
      else if (typeof any.bytesValue === 'string') b64 = any.bytesValue;
      else throw new ValueTypeError(`\`${field}.bytesValue\` must be base64`);
      const s = truncateUtf8(b64, this.limits.maxAttributeValueBytes);
      if (s.length !== b64.length) state.cut = true;
      return s;
    }
    const container = (any.arrayValue ?? any.kvlistValue) as { values?: unknown } | undefined;
    if (container != null) {
      if (depth + 1 > this.limits.maxNestingDepth) {
        state.cut = true;
        return null;
      }
      if (any.arrayValue != null) {
        const values = container.values ?? [];
        if (!Array.isArray(values)) throw new ValueTypeError(`\`${field}.arrayValue.values\` must be a list`);
        return values.map((item, i) => this.value(item, `${field}[${i}]`, depth + 1, state));
      }
      const nestedCut: string[] = [];
      const obj = this.keyValues(container.values, `${field}.kvlistValue.values`, nestedCut, depth + 1);
      if (nestedCut.length) state.cut = true;
      return obj;
    }
    return null;
  }
}
