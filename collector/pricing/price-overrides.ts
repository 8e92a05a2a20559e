import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
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
 * micro-USD = tokens × USD per million tokens, exactly. Cached tokens are a
 * part of the input count; without a cache price they cost the input price.
 */
export function overridePriceMicros(price: ModelPrice, input: PriceInput): number {
  const cacheRead = input.cacheReadTokens ?? 0;
  const cacheWrite = input.cacheWriteTokens ?? 0;
  const uncached = Math.max(0, input.inputTokens - cacheRead - cacheWrite);
  const total =
    uncached * price.input_per_mtok_usd +
    cacheRead * (price.cache_read_per_mtok_usd ?? price.input_per_mtok_usd) +
    cacheWrite * (price.cache_write_per_mtok_usd ?? price.input_per_mtok_usd) +
    input.outputTokens * price.output_per_mtok_usd;
  return Math.round(total);
}
