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
