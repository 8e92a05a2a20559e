import type { ModelPrice, Usage } from '@pydantic/genai-prices';

/**
 * genai-prices' own arithmetic (`calcPrice`), for the prices nearly every
 * model has: input, output and cache tokens. The library re-validates its
 * whole unit table on every call, which made it the costliest step of
 * normalising a model-call span; a model's price, once looked up, needs
 * none of that. Same operations in the same order as the library, so the
 * floating-point result is identical (tests/unit/pricing.test.ts compares
 * them); anything this file does not know answers null and the caller asks
 * the library instead.
 */
export type TokenPriceFunction = (usage: Usage) => number | null;

type UsageKey = 'input_tokens' | 'output_tokens' | 'cache_read_tokens' | 'cache_write_tokens';

/** The units of the usage we send (bundled-prices.ts toUsage), from the library's unit table. */
const REPORTED_UNITS: Record<string, { usage: UsageKey; direction: 'input' | 'output' }> = {
  input_mtok: { usage: 'input_tokens', direction: 'input' },
  output_mtok: { usage: 'output_tokens', direction: 'output' },
  cache_read_mtok: { usage: 'cache_read_tokens', direction: 'input' },
  cache_write_mtok: { usage: 'cache_write_tokens', direction: 'input' },
};

/**
 * Units we never send usage for that are not ancestors of those we do (more
 * specific, or another family): the library prices them at exactly 0, and
 * adding 0 changes no sum, so they are only checked to be valid prices.
 */
const ALWAYS_ZERO_UNITS = new Set([
  'cache_write_1h_mtok',
  'input_audio_mtok',
  'cache_audio_read_mtok',
  'input_image_mtok',
  'cache_image_read_mtok',
  'output_audio_mtok',
  'output_image_mtok',
  'output_reasoning_mtok',
  'web_searches_kcount',
  'storage_searches_kcount',
]);

interface Tiered {
  base: number;
  /** Ascending by start, as the library sorts them. */
  tiers: Array<{ start: number; price: number }>;
}

interface Term {
  usage: UsageKey;
  direction: 'input' | 'output';
  price: number | Tiered;
}

/** A function of usage for one model's (time-independent) price; null when it has a unit not listed above. */
export function tokenPriceFunction(modelPrice: ModelPrice): TokenPriceFunction | null {
  const terms: Term[] = [];
  for (const [key, raw] of Object.entries(modelPrice)) {
    if (raw === undefined) continue; // the library skips these too
    const price = validPrice(raw);
    if (price === null) return null;
    const unit = REPORTED_UNITS[key];
    if (unit) terms.push({ ...unit, price });
    else if (!ALWAYS_ZERO_UNITS.has(key)) return null;
  }
  // Cached tokens are part of input_tokens: the library prices input less the
  // cache units that have a price of their own (a unit's "leaf" value).
  const cacheRead = terms.some((t) => t.usage === 'cache_read_tokens');
  const cacheWrite = terms.some((t) => t.usage === 'cache_write_tokens');
  return (usage) => {
    const counts = {
      input_tokens: usage.input_tokens ?? 0,
      output_tokens: usage.output_tokens ?? 0,
      cache_read_tokens: usage.cache_read_tokens ?? 0,
      cache_write_tokens: usage.cache_write_tokens ?? 0,
    };
    if (!Object.values(counts).every((n) => Number.isSafeInteger(n) && n >= 0)) return null;
    const uncached = counts.input_tokens - (cacheRead ? counts.cache_read_tokens : 0) - (cacheWrite ? counts.cache_write_tokens : 0);
    if (uncached < 0) return null; // the library refuses such usage: let it say so
    const leaf = { ...counts, input_tokens: uncached };
    let input = 0;
    let output = 0;
    for (const t of terms) {
      const cost =
        typeof t.price === 'number'
          ? (t.price * leaf[t.usage]) / 1e6
          : (tieredMtok(t.price, leaf[t.usage], counts.input_tokens) * 1e6) / 1e6;
      if (t.direction === 'input') input += cost;
      else output += cost;
    }
    // The library's third bucket (neither direction) holds only zero units here.
    return input + output + 0;
  };
}

/** The tier is chosen by all input tokens of the call, as the library does. */
function tieredMtok(price: Tiered, count: number, inputTokens: number): number {
  if (count <= 0) return 0;
  let perMillion = price.base;
  for (const tier of price.tiers) if (inputTokens > tier.start) perMillion = tier.price;
  return (perMillion * count) / 1e6;
}

/** The library's own validity rules; null for what it would reject. */
function validPrice(raw: unknown): number | Tiered | null {
  if (isPrice(raw)) return raw;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const { base, tiers } = raw as { base?: unknown; tiers?: unknown };
  if (!isPrice(base) || !Array.isArray(tiers)) return null;
  const out: Tiered['tiers'] = [];
  for (const tier of tiers as unknown[]) {
    if (typeof tier !== 'object' || tier === null || Array.isArray(tier)) return null;
    const { start, price } = tier as { start?: unknown; price?: unknown };
    if (typeof start !== 'number' || !Number.isSafeInteger(start) || start < 0 || !isPrice(price)) return null;
    out.push({ start, price });
  }
  return { base, tiers: out.sort((a, b) => a.start - b.start) };
}

function isPrice(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
