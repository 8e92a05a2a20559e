import type { AttrValue, Attributes } from '../../model/ledger-entry.js';
import { AttributeConverter, ValueTypeError } from './any-value.js';
import { DecodeError, type DecodeLimits, type RejectedSpan } from './decode-limits.js';
import { TimeWindowError, capped, list, readId, readString, readTime, timeWindow, type TimeWindow } from './request-spans.js';

/** One OTLP log record after decoding, the same whether it came as protobuf or JSON. */
export interface DecodedLogRecord {
  /** Both null when the record was emitted outside a span. */
  traceId: string | null;
  spanId: string | null;
  /** The record's time, else the time it was observed: exact nanoseconds. */
  timeUnixNano: bigint;
  /** The LogRecord's `event_name`, else its `event.name` attribute; '' for a plain log line. */
  eventName: string;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  attributes: Attributes;
  resource: Attributes;
  scope: { name: string; version: string };
  truncated: string[];
  /** How many values redaction replaced (0 until redaction runs). */
  redactions?: number;
}

export interface DecodedLogsRequest {
  records: DecodedLogRecord[];
  /** Rejected log records, counted as the spans of a traces request are. */
  rejected: RejectedSpan[];
  total: number;
}

type Obj = Record<string, unknown>;

/**
 * Walks an ExportLogsServiceRequest (protobuf as logs-codec.ts reads it, or
 * OTLP/JSON) into DecodedLogRecords. A malformed envelope throws
 * DecodeError; a malformed record is rejected alone (partial success).
 */
export function logRecordsFromRequest(request: unknown, limits: DecodeLimits, nowMs: number = Date.now()): DecodedLogsRequest {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new DecodeError('body must be an ExportLogsServiceRequest object');
  }
  const attrs = new AttributeConverter(limits);
  const window = timeWindow(limits, nowMs);
  const out: DecodedLogsRequest = { records: [], rejected: [], total: 0 };
  list((request as Obj).resourceLogs, 'resourceLogs').forEach((rl, r) => {
    if (typeof rl !== 'object' || rl === null) throw new DecodeError(`\`resourceLogs[${r}]\` must be an object`);
    const scopeLogs = list((rl as Obj).scopeLogs, `resourceLogs[${r}].scopeLogs`);
    const resourceCut: string[] = [];
    let resource: Attributes;
    try {
      resource = attrs.keyValues(((rl as Obj).resource as Obj | undefined)?.attributes, `resourceLogs[${r}].resource.attributes`, resourceCut);
    } catch (err) {
      for (const sl of scopeLogs) {
        for (const _ of list((sl as Obj | null)?.logRecords, 'logRecords')) {
          out.rejected.push({ index: out.total++, reason: (err as Error).message, kind: 'invalid_resource' });
        }
      }
      return;
    }
    scopeLogs.forEach((sl, s) => {
      if (typeof sl !== 'object' || sl === null) throw new DecodeError(`\`resourceLogs[${r}].scopeLogs[${s}]\` must be an object`);
      const scopeObj = ((sl as Obj).scope ?? {}) as Obj;
      const groupCut = resourceCut.map((k) => `resource.${k}`);
      const scope = {
        name: capped(typeof scopeObj.name === 'string' ? scopeObj.name : '', limits.maxNameBytes, 'scope.name', groupCut),
        version: capped(typeof scopeObj.version === 'string' ? scopeObj.version : '', limits.maxNameBytes, 'scope.version', groupCut),
      };
      list((sl as Obj).logRecords, `resourceLogs[${r}].scopeLogs[${s}].logRecords`).forEach((raw, i) => {
        const index = out.total++;
        const field = `resourceLogs[${r}].scopeLogs[${s}].logRecords[${i}]`;
        try {
          out.records.push(readLogRecord(raw, field, resource, scope, groupCut, attrs, limits, window));
        } catch (err) {
          if (!(err instanceof ValueTypeError)) throw err;
          out.rejected.push({ index, reason: err.message, kind: err instanceof TimeWindowError ? 'out_of_window' : 'invalid_span' });
        }
      });
    });
  });
  return out;
}

const SEVERITY_PREFIX = 'SEVERITY_NUMBER_';

function readLogRecord(
  raw: unknown,
  field: string,
  resource: Attributes,
  scope: DecodedLogRecord['scope'],
  groupCut: readonly string[],
  attrs: AttributeConverter,
  limits: DecodeLimits,
  window: TimeWindow,
): DecodedLogRecord {
  if (typeof raw !== 'object' || raw === null) throw new ValueTypeError(`\`${field}\` must be a LogRecord object`);
  const rec = raw as Obj;
  const traceId = readId(rec.traceId, 16, `${field}.traceId`);
  const spanId = readId(rec.spanId, 8, `${field}.spanId`);
  if ((traceId === null) !== (spanId === null)) throw new ValueTypeError(`\`${field}\` must carry both \`traceId\` and \`spanId\`, or neither`);
  const truncated: string[] = [...groupCut];
  const attributes = attrs.keyValues(rec.attributes, `${field}.attributes`, truncated);
  // the body is one AnyValue: read through the same converter, under the same caps
  const bodyCut: string[] = [];
  const body = rec.body === undefined || rec.body === null ? null : attrs.keyValues([{ key: 'body', value: rec.body }], field, bodyCut).body;
  if (bodyCut.length) truncated.push('body');
  const timeField = isZero(rec.timeUnixNano) ? 'observedTimeUnixNano' : 'timeUnixNano';
  if (isZero(rec[timeField])) throw new ValueTypeError(`\`${field}.timeUnixNano\` or \`${field}.observedTimeUnixNano\` is required`);
  const time = readTime(rec[timeField], `${field}.${timeField}`, window);
  const attrName = attributes['event.name'];
  const eventName = readString(rec.eventName, `${field}.eventName`) || (typeof attrName === 'string' ? attrName : '');
  let severityNumber = 0;
  if (typeof rec.severityNumber === 'number' && Number.isInteger(rec.severityNumber)) severityNumber = rec.severityNumber;
  else if (typeof rec.severityNumber === 'string' && rec.severityNumber.startsWith(SEVERITY_PREFIX)) severityNumber = SEVERITIES.indexOf(rec.severityNumber.slice(SEVERITY_PREFIX.length));
  else if (rec.severityNumber !== undefined && rec.severityNumber !== null) throw new ValueTypeError(`\`${field}.severityNumber\` must be an enum integer`);
  if (severityNumber < 0 || severityNumber > 24) throw new ValueTypeError(`\`${field}.severityNumber\` must be 0 to 24`);
  return {
    traceId,
    spanId,
    timeUnixNano: time,
    eventName: capped(eventName, limits.maxNameBytes, 'event_name', truncated),
    severityNumber,
    severityText: capped(readString(rec.severityText, `${field}.severityText`), limits.maxNameBytes, 'severity_text', truncated),
    body,
    attributes,
    resource,
    scope,
    truncated,
  };
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === 0 || v === '0' || v === '') return true;
  return typeof v === 'object' && (v as { low?: number; high?: number }).low === 0 && (v as { high?: number }).high === 0;
}

// logs.proto SeverityNumber, by index
const SEVERITIES = ['UNSPECIFIED',
  'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4',
  'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4',
  'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4'];
