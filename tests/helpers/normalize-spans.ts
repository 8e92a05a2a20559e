import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Attributes, EntryRecord } from '../../model/ledger-entry.js';
import type { DecodedSpan } from '../../collector/otlp/decoded-span.js';
import { decodeTraces } from '../../collector/otlp/otlp-codec.js';
import { DEFAULT_DECODE_LIMITS } from '../../collector/otlp/decode-limits.js';
import { normalizeRequest, type NormalizeContext } from '../../collector/normalize/normalize-request.js';
import { createPricing } from '../../collector/pricing/pricing.js';
import { FIXTURES_DIR } from './fixtures.js';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const bundledPricing = createPricing({});

export function normalizeContext(overrides: Partial<NormalizeContext> = {}): NormalizeContext {
  return { organizationId: 'org_test', userId: null, pricing: bundledPricing, maxJsonDepth: 64, ...overrides };
}

/** A hand-built span: a root tool-less INTERNAL span unless told otherwise. */
export function makeSpan(overrides: Partial<DecodedSpan> = {}): DecodedSpan {
  return {
    traceId: TRACE_ID,
    spanId: 'b7ad6b7169203331',
    parentSpanId: null,
    flags: 0x100,
    name: 'step',
    kind: 1,
    startTimeUnixNano: 1795458428139000000n,
    endTimeUnixNano: 1795458428210552022n,
    attributes: {},
    events: [],
    status: { code: 0, message: '' },
    resource: { 'service.name': 'svc' },
    scope: { name: 'test', version: '' },
    truncated: [],
    ...overrides,
  };
}

export function normalizeOne(
  attributes: Attributes,
  span: Partial<DecodedSpan> = {},
  ctx: Partial<NormalizeContext> = {},
): EntryRecord {
  return normalizeRequest([makeSpan({ attributes, ...span })], normalizeContext(ctx))[0];
}

export function fixtureFiles(folder: string): string[] {
  return readdirSync(join(FIXTURES_DIR, folder))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function decodeFixture(folder: string, file: string): DecodedSpan[] {
  const text = readFileSync(join(FIXTURES_DIR, folder, file), 'utf8');
  const decoded = decodeTraces(Buffer.from(text), 'json', DEFAULT_DECODE_LIMITS);
  if (decoded.rejected.length > 0) throw new Error(`${folder}/${file}: ${decoded.rejected[0].reason}`);
  return decoded.spans;
}

/** Each file normalised as the request it was: the way the receiver sees them. */
export function normalizeFixtureFiles(folder: string, ctx: Partial<NormalizeContext> = {}): EntryRecord[] {
  return fixtureFiles(folder).flatMap((f) => normalizeRequest(decodeFixture(folder, f), normalizeContext(ctx)));
}

/** Every span of a folder in one request, as a batching exporter would send them. */
export function normalizeFixtureFolderAsOneRequest(folder: string): EntryRecord[] {
  const spans = fixtureFiles(folder).flatMap((f) => decodeFixture(folder, f));
  return normalizeRequest(spans, normalizeContext());
}

export function entryBySpanId(entries: EntryRecord[], spanId: string): EntryRecord {
  const found = entries.find((e) => e.span_id === spanId);
  if (!found) throw new Error(`no entry for span ${spanId}`);
  return found;
}

export function bundledPriceNanos(model: string, inputTokens: number, outputTokens: number): number | null {
  return bundledPricing.priceNanos({ model, provider: 'openai', inputTokens, outputTokens });
}
