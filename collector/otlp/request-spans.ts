import type { Attributes } from '../../model/ledger-entry.js';
import { AttributeConverter, ValueTypeError, quote, toBigInt, truncateUtf8 } from './any-value.js';
import type { DecodedEvent, DecodedSpan } from './decoded-span.js';
import { DecodeError, type DecodeLimits, type RejectedSpan } from './decode-limits.js';

export interface DecodedRequest {
  spans: DecodedSpan[];
  rejected: RejectedSpan[];
  /** Every span in the request, taken or not: the denominator of partial success. */
  total: number;
}

const SPAN_KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

const HEX = /^[0-9a-fA-F]*$/;

/**
 * Ids arrive as bytes from protobuf and as hex from OTLP/JSON (the spec's
 * exception to proto3 JSON's base64). Returns null for an empty id.
 */
export function readId(v: unknown, bytes: number, field: string): string | null {
  let hex: string;
  if (v instanceof Uint8Array) hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  else if (typeof v === 'string' && HEX.test(v)) hex = v.toLowerCase();
  else if (v === undefined || v === null) hex = '';
  else throw new ValueTypeError(`\`${field}\` must be ${bytes} bytes of hex`);
  if (hex.length === 0) return null;
  if (hex.length !== bytes * 2) throw new ValueTypeError(`\`${field}\` must be ${bytes} bytes, got ${hex.length / 2}`);
  if (/^0+$/.test(hex)) throw new ValueTypeError(`\`${field}\` must not be all zeros`);
  return hex;
}

function readEnum(v: unknown, names: Record<string, number>, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && v in names) return names[v];
  throw new ValueTypeError(`\`${field}\` must be an enum integer`);
}

export function readString(v: unknown, field: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ValueTypeError(`\`${field}\` must be a string`);
  return v;
}

/** A string cut to `maxBytes`; `label` goes to `truncated` when it was cut. */
export function capped(v: string, maxBytes: number, label: string, truncated: string[]): string {
  const cut = truncateUtf8(v, maxBytes);
  if (cut.length !== v.length) truncated.push(label);
  return cut;
}

/**
 * The span times a request may carry, in nanoseconds since the epoch
 * (DESIGN.md, Decisions: Time window). Outside it a span is rejected, never
 * stored: a time past what a Date can hold would break every read of its
 * organization's ledger, and one near 0 is a unit mistake (seconds sent as nanoseconds).
 */
export interface TimeWindow {
  fromNs: bigint;
  toNs: bigint;
}

const NS_PER_MS = 1_000_000n;

export function timeWindow(limits: DecodeLimits, nowMs: number): TimeWindow {
  const now = BigInt(Math.trunc(nowMs)) * NS_PER_MS;
  const from = now - BigInt(limits.maxSpanAgeDays) * 86_400_000n * NS_PER_MS;
  return { fromNs: from > 0n ? from : 1n, toNs: now + BigInt(limits.maxFutureSkewSeconds) * 1000n * NS_PER_MS };
}

function isoOfNs(ns: bigint): string {
  return new Date(Number(ns / NS_PER_MS)).toISOString();
}

/** A span outside otlp.max_span_age_days / max_future_skew_seconds: told apart from malformed spans in metrics. */
export class TimeWindowError extends ValueTypeError {}

export function readTime(v: unknown, field: string, window: TimeWindow): bigint {
  const ns = toBigInt(v, field);
  if (ns === 0n) throw new ValueTypeError(`\`${field}\` is required`);
  if (ns < window.fromNs || ns > window.toNs) {
    throw new TimeWindowError(
      `\`${field}\` ${quote(String(v))} is outside the accepted window ${isoOfNs(window.fromNs)} to ${isoOfNs(window.toNs)} ` +
        '(otlp.max_span_age_days, otlp.max_future_skew_seconds)',
    );
  }
  return ns;
}

export function list(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new DecodeError(`\`${field}\` must be a list`);
  return v;
}

type Obj = Record<string, unknown>;

/**
 * Walks an ExportTraceServiceRequest, as protobufjs decodes it or as
 * JSON.parse reads OTLP/JSON, into DecodedSpans. A malformed envelope throws
 * DecodeError; a malformed span is rejected alone.
 */
export function spansFromRequest(request: unknown, limits: DecodeLimits, nowMs: number = Date.now()): DecodedRequest {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new DecodeError('body must be an ExportTraceServiceRequest object');
  }
  const attrs = new AttributeConverter(limits);
  const ctx: SpanReadContext = { attrs, limits, window: timeWindow(limits, nowMs) };
  const out: DecodedRequest = { spans: [], rejected: [], total: 0 };
  const resourceSpans = list((request as Obj).resourceSpans, 'resourceSpans');
  resourceSpans.forEach((rs, r) => {
    if (typeof rs !== 'object' || rs === null) throw new DecodeError(`\`resourceSpans[${r}]\` must be an object`);
    const resourceField = `resourceSpans[${r}].resource.attributes`;
    const scopeSpans = list((rs as Obj).scopeSpans, `resourceSpans[${r}].scopeSpans`);
    let resource: Attributes;
    const resourceCut: string[] = [];
    try {
      resource = attrs.keyValues(((rs as Obj).resource as Obj | undefined)?.attributes, resourceField, resourceCut);
    } catch (err) {
      // Without its resource no span of this group can be attributed: reject them all.
      for (const ss of scopeSpans) {
        for (const _ of list((ss as Obj | null)?.spans, 'spans')) {
          out.rejected.push({ index: out.total++, reason: (err as Error).message, kind: 'invalid_resource' });
        }
      }
      return;
    }
    scopeSpans.forEach((ss, s) => {
      if (typeof ss !== 'object' || ss === null) throw new DecodeError(`\`resourceSpans[${r}].scopeSpans[${s}]\` must be an object`);
      const scopeObj = ((ss as Obj).scope ?? {}) as Obj;
      const groupCut = resourceCut.map((k) => `resource.${k}`);
      const scope = {
        name: capped(typeof scopeObj.name === 'string' ? scopeObj.name : '', limits.maxNameBytes, 'scope.name', groupCut),
        version: capped(typeof scopeObj.version === 'string' ? scopeObj.version : '', limits.maxNameBytes, 'scope.version', groupCut),
      };
      const spans = list((ss as Obj).spans, `resourceSpans[${r}].scopeSpans[${s}].spans`);
      spans.forEach((raw, i) => {
        const index = out.total++;
        const field = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
        try {
          out.spans.push(readSpan(raw, field, resource, scope, groupCut, ctx));
        } catch (err) {
          if (!(err instanceof ValueTypeError)) throw err;
          out.rejected.push({ index, reason: err.message, kind: err instanceof TimeWindowError ? 'out_of_window' : 'invalid_span' });
        }
      });
    });
  });
  return out;
}

interface SpanReadContext {
  attrs: AttributeConverter;
  limits: DecodeLimits;
  window: TimeWindow;
}

function readSpan(
  raw: unknown,
  field: string,
  resource: Attributes,
  scope: DecodedSpan['scope'],
  groupCut: readonly string[],
  { attrs, limits, window }: SpanReadContext,
): DecodedSpan {
  if (typeof raw !== 'object' || raw === null) throw new ValueTypeError(`\`${field}\` must be a Span object`);
  const span = raw as Obj;
  const traceId = readId(span.traceId, 16, `${field}.traceId`);
  const spanId = readId(span.spanId, 8, `${field}.spanId`);
  if (!traceId) throw new ValueTypeError(`\`${field}.traceId\` is required`);
  if (!spanId) throw new ValueTypeError(`\`${field}.spanId\` is required`);
  const truncated: string[] = [...groupCut];
  const attributes = attrs.keyValues(span.attributes, `${field}.attributes`, truncated);
  const status = (span.status ?? {}) as Obj;
  const events: DecodedEvent[] = list(span.events, `${field}.events`).map((e, j) => {
    const ev = (e ?? {}) as Obj;
    return {
      name: capped(readString(ev.name, `${field}.events[${j}].name`), limits.maxNameBytes, `events[${j}].name`, truncated),
      timeUnixNano: toBigInt(ev.timeUnixNano, `${field}.events[${j}].timeUnixNano`),
      attributes: attrs.keyValues(ev.attributes, `${field}.events[${j}].attributes`, truncated),
    };
  });
  const start = readTime(span.startTimeUnixNano, `${field}.startTimeUnixNano`, window);
  const end = readTime(span.endTimeUnixNano, `${field}.endTimeUnixNano`, window);
  if (end < start) throw new ValueTypeError(`\`${field}.endTimeUnixNano\` is before its \`startTimeUnixNano\``);
  const flags = span.flags === undefined || span.flags === null ? 0 : Number(span.flags);
  if (!Number.isInteger(flags)) throw new ValueTypeError(`\`${field}.flags\` must be an integer`);
  return {
    traceId,
    spanId,
    parentSpanId: readId(span.parentSpanId, 8, `${field}.parentSpanId`),
    flags,
    name: capped(readString(span.name, `${field}.name`), limits.maxNameBytes, 'name', truncated),
    kind: readEnum(span.kind, SPAN_KIND_NAMES, `${field}.kind`),
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    events,
    status: {
      code: readEnum(status.code, { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 }, `${field}.status.code`),
      message: capped(readString(status.message, `${field}.status.message`), limits.maxAttributeValueBytes, 'status_message', truncated),
    },
    resource,
    scope,
    truncated,
  };
}
