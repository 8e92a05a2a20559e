import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { decimalParts, MAX_COST_NANOS, nanosFromDecimal } from '../../model/cost.js';
import type { PriceInput } from './pricing.js';

const ModelPrice = z
  .object({
    input_per_mtok_usd: z.number().nonnegative(),
    output_per_mtok_usd: z.number().nonnegative(),
    cache_read_per_mtok_usd: z.number().nonnegative().optional(),
    cache_write_per_mtok_usd: z.number().nonnegative().optional(),
  })
  .strict();

const OverrideFile = z.record(z.string().min(1), ModelPrice);

export type ModelPrice = z.infer<typeof ModelPrice>;
/** Keyed by model name as spans report it, and by its lowercase form. */
export type PriceOverrides = Map<string, ModelPrice>;

export class PriceOverridesError extends Error {
  override name = 'PriceOverridesError';
}

/** Reads a JSON or YAML file: `model → {input_per_mtok_usd, output_per_mtok_usd, cache_*_per_mtok_usd?}`. */
export function loadPriceOverrides(file: string): PriceOverrides {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PriceOverridesError(`price overrides file ${file}: ${(err as Error).message}`);
  }
  return parsePriceOverrides(text, extname(file).toLowerCase() === '.json' ? 'json' : 'yaml', file);
}

export function parsePriceOverrides(text: string, format: 'json' | 'yaml', source = 'price overrides'): PriceOverrides {
  let data: unknown;
  try {
    data = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new PriceOverridesError(`${source}: not valid ${format.toUpperCase()}: ${(err as Error).message}`);
  }
  const result = OverrideFile.safeParse(data ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new PriceOverridesError(`${source}: \`${issue.path.join('.') || '(root)'}\`: ${issue.message}`);
  }
  const out: PriceOverrides = new Map();
  for (const [model, price] of Object.entries(result.data)) {
    out.set(model, price);
    if (!out.has(model.toLowerCase())) out.set(model.toLowerCase(), price);
  }
  return out;
}

/**
 * nano-USD = tokens × USD per million tokens × 1000, computed on the prices'
 * decimals (no float drift) and rounded once. Cached tokens are a part of
 * the input count; without a cache price they cost the input price.
 */
export function overridePriceNanos(price: ModelPrice, input: PriceInput): number {
  const cacheRead = input.cacheReadTokens ?? 0;
  const cacheWrite = input.cacheWriteTokens ?? 0;
  const terms: Array<[tokens: number, perMtok: number]> = [
    [Math.max(0, input.inputTokens - cacheRead - cacheWrite), price.input_per_mtok_usd],
    [cacheRead, price.cache_read_per_mtok_usd ?? price.input_per_mtok_usd],
    [cacheWrite, price.cache_write_per_mtok_usd ?? price.input_per_mtok_usd],
    [input.outputTokens, price.output_per_mtok_usd],
  ];
  const parts = terms.map(([tokens, perMtok]) => ({ tokens: BigInt(Math.round(tokens)), ...decimalParts(perMtok)! }));
  const exponent = Math.min(...parts.map((p) => p.exponent));
  let scaled = 0n; // USD per Mtok × tokens, in units of 10^exponent
  for (const p of parts) scaled += p.tokens * p.mantissa * 10n ** BigInt(p.exponent - exponent);
  // USD = scaled × 10^exponent ÷ 1e6 (the prices are per million tokens)
  const nanos = nanosFromDecimal(`${scaled}e${exponent - 6}`)!;
  return nanos <= BigInt(MAX_COST_NANOS) ? Number(nanos) : MAX_COST_NANOS;
}
