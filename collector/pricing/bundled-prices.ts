import { calcPrice, type PriceCalculation, type Usage } from '@pydantic/genai-prices';
import { MAX_COST_NANOS, nanosFromDecimal } from '../../model/cost.js';
import type { PriceInput } from './pricing.js';
import { tokenPriceFunction, type TokenPriceFunction } from './token-prices.js';

/**
 * The bundled genai-prices catalogue. Only `calcPrice` is used: the library
 * fetches remote data only through `updatePrices`, which we never call.
 */
export function bundledPriceNanos(input: PriceInput): number | null {
  const usage = toUsage(input);
  for (const providerId of providerCandidates(input.provider)) {
    const usd = priceUsd(usage, input.model, providerId, input.at);
    const nanos = usd === null ? null : nanosFromPrice(usd);
    if (nanos !== null) return nanos;
  }
  return null;
}

/**
 * The library's USD is a double with float noise (19349.999999999996 nanos
 * for 19350): 15 significant digits drop the noise and keep every digit down
 * to the nano below a million USD, so a price that ends on half a nano
 * rounds as its decimal does.
 */
export function nanosFromPrice(usd: number): number | null {
  const nanos = nanosFromDecimal(usd.toPrecision(15));
  return nanos === null ? null : nanos <= BigInt(MAX_COST_NANOS) ? Number(nanos) : MAX_COST_NANOS;
}

/**
 * What the catalogue said about one (provider, model) pair. It never changes
 * (we never call updatePrices), so the answer is kept: "not priced", or a
 * price function, or ASK_LIBRARY for prices this module cannot compute
 * itself (time-dependent ones, unusual units).
 */
type Known = typeof NOT_PRICED | TokenPriceFunction;
const NOT_PRICED = 'not priced';
const ASK_LIBRARY: TokenPriceFunction = () => null;

// Model names come from payloads: bound the memory a sender can make us use.
const MAX_KNOWN = 10_000;
const known = new Map<string, Known>();

/** USD for the call, or null when this provider does not price the model or the library refused the usage. */
function priceUsd(usage: Usage, model: string, providerId: string | undefined, at: Date | undefined): number | null {
  const key = `${providerId ?? ''}\n${model}`;
  const before = known.get(key);
  if (before === NOT_PRICED) return null;
  const fast = before?.(usage);
  if (fast !== undefined && fast !== null) return fast;
  let result;
  try {
    const options = { timestamp: at ?? new Date() };
    result = calcPrice(usage, model, providerId ? { ...options, providerId } : options);
  } catch {
    // The library throws on usage it finds inconsistent; an unpriced span beats a lost one.
    return null;
  }
  if (before === undefined) remember(key, result, usage);
  return result ? result.total_price : null;
}

function remember(key: string, result: PriceCalculation | null, usage: Usage): void {
  if (known.size >= MAX_KNOWN) known.clear();
  if (!result) {
    known.set(key, NOT_PRICED);
    return;
  }
  // A list of prices is chosen by the call's date or time of day: leave those to the library.
  const price = Array.isArray(result.model.prices) ? null : tokenPriceFunction(result.model_price);
  // Belt and braces: a function that disagrees with the library even once is never used.
  const agrees = price !== null && (price(usage) ?? result.total_price) === result.total_price;
  known.set(key, agrees ? price : ASK_LIBRARY);
}

/**
 * The span's provider as given (`openai`, `aws.bedrock`…), then its first
 * part (the AI SDK reports `openai.chat`), then none: the library can match
 * on the model name alone, which also covers proxies with their own names.
 */
function providerCandidates(provider: string | null): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  if (provider) {
    out.push(provider);
    const head = provider.split('.')[0];
    if (head && head !== provider) out.push(head);
  }
  out.push(undefined);
  return out;
}

/**
 * genai-prices wants `input_tokens` to include cache tokens. Some SDKs count
 * them apart (Anthropic's API does); when the parts exceed the whole, the
 * input count cannot have included them, so add them.
 */
function toUsage(input: PriceInput): Usage {
  const cacheRead = input.cacheReadTokens ?? 0;
  const cacheWrite = input.cacheWriteTokens ?? 0;
  const inputTokens = cacheRead + cacheWrite > input.inputTokens ? input.inputTokens + cacheRead + cacheWrite : input.inputTokens;
  const usage: Usage = { input_tokens: inputTokens, output_tokens: input.outputTokens };
  if (cacheRead > 0) usage.cache_read_tokens = cacheRead;
  if (cacheWrite > 0) usage.cache_write_tokens = cacheWrite;
  return usage;
}
