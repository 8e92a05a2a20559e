import { calcPrice, type Usage } from '@pydantic/genai-prices';
import type { PriceInput } from './pricing.js';

/**
 * The bundled genai-prices catalogue. Only `calcPrice` is used: the library
 * fetches remote data only through `updatePrices`, which we never call.
 */
export function bundledPriceMicros(input: PriceInput): number | null {
  const usage = toUsage(input);
  const options = { timestamp: input.at ?? new Date() };
  for (const providerId of providerCandidates(input.provider)) {
    let result;
    try {
      result = calcPrice(usage, input.model, providerId ? { ...options, providerId } : options);
    } catch {
      // The library throws on usage it finds inconsistent; an unpriced span beats a lost one.
      continue;
    }
    if (result) return Math.round(result.total_price * 1e6);
  }
  return null;
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
