import type { DecodedSpan } from '../otlp/decoded-span.js';
import type { ConventionMapper } from './convention-mapper.js';
import { langfuseMapper } from './langfuse.js';
import { ledgerAttributesMapper } from './ledger-attributes.js';
import { openInferenceMapper } from './openinference.js';
import { openLlmetryMapper } from './openllmetry.js';
import { otelGenAiMapper } from './otel-genai.js';
import { vercelAiMapper } from './vercel-ai.js';

/**
 * Every convention read on ingest, highest priority first. The order follows
 * DESIGN.md's ledger.* table (inputs: ledger, GenAI, OpenInference, Langfuse,
 * AI SDK, OpenLLMetry) and the model / provider order in the brief.
 */
export const CONVENTION_MAPPERS: readonly ConventionMapper[] = [
  ledgerAttributesMapper,
  otelGenAiMapper,
  openInferenceMapper,
  langfuseMapper,
  vercelAiMapper,
  openLlmetryMapper,
].sort((a, b) => b.priority - a.priority);

// Bit i stands for CONVENTION_MAPPERS[i]: one pass over a span's keys then
// says which mappers can contribute, without a set per span.
const MAPPERS_BY_NAMESPACE = new Map<string, number>();
let EVENT_READERS = 0;
CONVENTION_MAPPERS.forEach((mapper, i) => {
  for (const ns of mapper.namespaces) MAPPERS_BY_NAMESPACE.set(ns, (MAPPERS_BY_NAMESPACE.get(ns) ?? 0) | (1 << i));
  if (mapper.readsEvents) EVENT_READERS |= 1 << i;
});

/**
 * The mappers that can say something about this span, highest priority
 * first. Most spans speak one or two conventions; running the other mappers
 * only to learn that their attributes are absent was most of the work.
 */
export function mappersFor(span: DecodedSpan): ConventionMapper[] {
  let wanted = span.events.length > 0 ? EVENT_READERS : 0;
  for (const key of Object.keys(span.attributes)) {
    const dot = key.indexOf('.');
    wanted |= MAPPERS_BY_NAMESPACE.get(dot === -1 ? key : key.slice(0, dot)) ?? 0;
  }
  return CONVENTION_MAPPERS.filter((_, i) => (wanted & (1 << i)) !== 0);
}
