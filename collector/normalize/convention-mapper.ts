import type { EntryDetails } from '../../model/entry-details.js';
import type { ActionKind, ComplianceMetadata, JsonObject, Outcome } from '../../model/ledger-entry.js';
import type { DecodedSpan } from '../otlp/decoded-span.js';
import type { MapperDetails } from './entry-details.js';
import type { PayloadReader } from './payload-reader.js';

/**
 * What one attribute convention says about a span. Every field is optional:
 * a mapper fills only what its convention names, and the merge lets the
 * highest-priority mapper that said something win, field by field.
 */
export interface Contribution {
  kind?: ActionKind;
  /** A call to a model that bills by token: the only spans we price (DESIGN.md, Pricing). */
  modelCall?: boolean;
  /** The tool's own name, used as the entry name when the span is a tool call. */
  toolName?: string;
  /** Response model, else request model. */
  model?: string;
  /** Kept apart so pricing can fall back to it when the response model is unknown. */
  requestModel?: string;
  provider?: string;
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** A cost the span states itself; beats computed prices. */
  costNanos?: number;
  /** Sources the ledger.inputs/outputs row of DESIGN.md names. */
  inputs?: JsonObject;
  outputs?: JsonObject;
  /** Lesser sources (flattened messages, events): used only when no mapper gave inputs/outputs. */
  inputsFallback?: JsonObject;
  outputsFallback?: JsonObject;
  /** An explicit outcome that overrides everything the span status says. */
  outcome?: Outcome;
  /** Why the span counts as blocked by a policy, guardrail or filter. */
  blocked?: string;
  /** The convention's own failure signal, besides the OTLP status. */
  failed?: boolean;
  statusMessage?: string;
  compliance?: ComplianceMetadata;
  tags?: string[];
  /** Messages, tool definitions, model parameters, prompt name…: what readers need beyond the seed's fields. */
  details?: EntryDetails;
}

/**
 * What a mapper returns: a Contribution where null (or undefined) means "this
 * convention says nothing", so a mapper can write `{ model: str(a, k) }`
 * freely. The merge skips those values; nothing copies the object first.
 */
export type MapperOutput = { [K in Exclude<keyof Contribution, 'details'>]?: Contribution[K] | null } & {
  details?: MapperDetails | null;
};

export interface MapperInput {
  span: DecodedSpan;
  payloads: PayloadReader;
}

export interface ConventionMapper {
  readonly name: string;
  /** Higher wins when two conventions fill the same field. */
  readonly priority: number;
  /**
   * The first dotted segment of every span attribute the mapper reads
   * (`gen_ai` for `gen_ai.tool.name`). A span with none of them is skipped:
   * the mapper could not say anything about it. tests/unit/normalize-mapper-selection.test.ts
   * checks that every key a mapper reads is covered.
   */
  readonly namespaces: readonly string[];
  /** Also run on spans that have events, whatever their attributes. */
  readonly readsEvents?: boolean;
  map(input: MapperInput): MapperOutput;
}
