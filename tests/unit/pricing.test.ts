import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calcPrice, waitForUpdate, type Usage } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { createPricing, type PriceInput } from '../../collector/pricing/pricing.js';
import { nanosFromPrice } from '../../collector/pricing/bundled-prices.js';
import { tokenPriceFunction } from '../../collector/pricing/token-prices.js';
import { PriceOverridesError, parsePriceOverrides } from '../../collector/pricing/price-overrides.js';
import { normalizeOne } from '../helpers/normalize-spans.js';

const dir = mkdtempSync(join(tmpdir(), 'ledger-pricing-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('bundled prices (@pydantic/genai-prices)', () => {
  const pricing = createPricing({});

  it('prices gpt-4o-mini at the bundled $0.15 / $0.60 per million tokens, exactly in nano-USD', () => {
    // 57 × 0.15 + 18 × 0.60 = 19.35 micro-USD = 19350 nanos (the library's double says 19349.999999999996)
    expect(pricing.priceNanos({ model: 'gpt-4o-mini-2024-07-18', provider: 'openai', inputTokens: 57, outputTokens: 18 })).toBe(19_350);
    expect(pricing.priceNanos({ model: 'gpt-4o-mini', provider: 'openai', inputTokens: 1_000_000, outputTokens: 0 })).toBe(150_000_000);
  });

  it('prices a 10-token embedding call above zero (micro-USD rounded it to 0)', () => {
    // text-embedding-3-small: $0.02 per million tokens × 10 = 2e-7 USD
    expect(pricing.priceNanos({ model: 'text-embedding-3-small', provider: 'openai', inputTokens: 10, outputTokens: 0 })).toBe(200);
    expect(pricing.priceNanos({ model: 'text-embedding-3-small', provider: 'openai', inputTokens: 1, outputTokens: 0 })).toBe(20);
  });

  it('matches by model alone when the provider is unknown or suffixed', () => {
    const base = { model: 'gpt-4o-mini', inputTokens: 57, outputTokens: 18 };
    expect(pricing.priceNanos({ ...base, provider: null })).toBe(19_350);
    expect(pricing.priceNanos({ ...base, provider: 'openai.chat' })).toBe(19_350);
    expect(pricing.priceNanos({ ...base, provider: 'my-gateway' })).toBe(19_350);
  });

  it('answers null for unknown models', () => {
    expect(pricing.priceNanos({ model: 'broken-model', provider: 'openai', inputTokens: 10, outputTokens: 10 })).toBeNull();
  });

  it('prices cache reads below fresh input and tolerates cache counted outside input', () => {
    const base = { model: 'claude-sonnet-4-20250514', provider: 'anthropic', outputTokens: 0 };
    const fresh = pricing.priceNanos({ ...base, inputTokens: 10_000 })!;
    const cached = pricing.priceNanos({ ...base, inputTokens: 10_000, cacheReadTokens: 9_000 })!;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(fresh);
    // Anthropic-style counts (cache not included in input) must not throw.
    expect(pricing.priceNanos({ ...base, inputTokens: 100, cacheReadTokens: 9_000 })).toBeGreaterThan(0);
  });
});

describe('price override file', () => {
  it('wins for the models it names (YAML), including cache prices', () => {
    const pricing = createPricing({
      overridesFile: file(
        'prices.yaml',
        'acme-llm-7b:\n  input_per_mtok_usd: 2\n  output_per_mtok_usd: 8\n  cache_read_per_mtok_usd: 0.5\ngpt-4o-mini:\n  input_per_mtok_usd: 1\n  output_per_mtok_usd: 1\n',
      ),
    });
    // 600 fresh × 2 + 400 cached × 0.5 + 100 × 8 = 2200 micro-USD
    expect(pricing.priceNanos({ model: 'acme-llm-7b', provider: null, inputTokens: 1000, outputTokens: 100, cacheReadTokens: 400 })).toBe(2_200_000);
    expect(pricing.priceNanos({ model: 'gpt-4o-mini', provider: 'openai', inputTokens: 57, outputTokens: 18 })).toBe(75_000);
    // Models the file does not name still use the bundled data.
    expect(pricing.priceNanos({ model: 'gpt-4o', provider: 'openai', inputTokens: 1000, outputTokens: 0 })).toBeGreaterThan(0);
  });

  it('reads JSON and matches model names case-insensitively', () => {
    const pricing = createPricing({
      overridesFile: file('prices.json', JSON.stringify({ 'Acme-LLM': { input_per_mtok_usd: 1.5, output_per_mtok_usd: 3 } })),
    });
    expect(pricing.priceNanos({ model: 'acme-llm', provider: null, inputTokens: 1, outputTokens: 1 })).toBe(4500);
  });

  it('computes on the prices as decimals: no float drift, one rounding to the nano', () => {
    const pricing = createPricing({
      overridesFile: file('exact.yaml', 'tenth:\n  input_per_mtok_usd: 0.1\n  output_per_mtok_usd: 0.2\ntiny:\n  input_per_mtok_usd: 0.0375\n  output_per_mtok_usd: 0.000001\n'),
    });
    // 3 × 0.1 + 0 × 0.2 per million: 0.3 micro-USD (3 × 0.1 is 0.30000000000000004 as doubles)
    expect(pricing.priceNanos({ model: 'tenth', provider: null, inputTokens: 3, outputTokens: 0 })).toBe(300);
    expect(pricing.priceNanos({ model: 'tenth', provider: null, inputTokens: 1, outputTokens: 1 })).toBe(300);
    // 37.5 nanos rounds half up, once; an output token is 0.001 nano: 499 of them round to 0, 500 to 1
    expect(pricing.priceNanos({ model: 'tiny', provider: null, inputTokens: 1, outputTokens: 0 })).toBe(38);
    expect(pricing.priceNanos({ model: 'tiny', provider: null, inputTokens: 0, outputTokens: 499 })).toBe(0);
    expect(pricing.priceNanos({ model: 'tiny', provider: null, inputTokens: 0, outputTokens: 500 })).toBe(1);
    expect(pricing.priceNanos({ model: 'tiny', provider: null, inputTokens: 1, outputTokens: 500 })).toBe(38);
    expect(pricing.priceNanos({ model: 'tiny', provider: null, inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBe(37_501_000);
  });

  it('names the offending key of a bad file', () => {
    expect(() => parsePriceOverrides('m:\n  input_per_mtok_usd: -1\n  output_per_mtok_usd: 1\n', 'yaml')).toThrow(/`m.input_per_mtok_usd`/);
    expect(() => parsePriceOverrides('{"m":{"input_per_mtok_usd":1}}', 'json')).toThrow(/`m.output_per_mtok_usd`/);
    expect(() => parsePriceOverrides('{"m":{"input_per_mtok_usd":1,"output_per_mtok_usd":1,"extra":1}}', 'json')).toThrow(PriceOverridesError);
    expect(() => parsePriceOverrides('{not json', 'json')).toThrow(/not valid JSON/);
    expect(() => createPricing({ overridesFile: join(dir, 'missing.yaml') })).toThrow(PriceOverridesError);
  });

  it('accepts an empty file as no overrides', () => {
    expect(parsePriceOverrides('', 'yaml').size).toBe(0);
  });

  it('prices a custom model on a chat span through normalisation', () => {
    const pricing = createPricing({
      overridesFile: file('custom.yaml', 'acme-llm-7b:\n  input_per_mtok_usd: 2\n  output_per_mtok_usd: 8\n'),
    });
    const e = normalizeOne(
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'acme',
        'gen_ai.request.model': 'acme-llm-7b',
        'gen_ai.response.model': 'acme-llm-7b-0611',
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.output_tokens': 100,
      },
      {},
      { pricing },
    );
    // The response model is unknown everywhere: the request model's price applies.
    expect(e.cost_nanos).toBe(2_800_000);
  });
});

/** Usage shapes bundled-prices.ts sends: tiers (128k, 200k, 272k…), cache parts, zeros, extremes. */
const USAGES: Usage[] = [
  { input_tokens: 0, output_tokens: 0 },
  { input_tokens: 1, output_tokens: 1 },
  { input_tokens: 57, output_tokens: 18 },
  { input_tokens: 1234, output_tokens: 567, cache_read_tokens: 1000 },
  { input_tokens: 1234, output_tokens: 567, cache_write_tokens: 200 },
  { input_tokens: 10_000, output_tokens: 3, cache_read_tokens: 6000, cache_write_tokens: 4000 },
  { input_tokens: 128_000, output_tokens: 999 },
  { input_tokens: 128_001, output_tokens: 999, cache_read_tokens: 100_000 },
  { input_tokens: 200_001, output_tokens: 70_001, cache_write_tokens: 1 },
  { input_tokens: 272_001, output_tokens: 1, cache_read_tokens: 272_000 },
  { input_tokens: 3_000_000, output_tokens: 2_000_000, cache_read_tokens: 7, cache_write_tokens: 11 },
  { input_tokens: 2 ** 52, output_tokens: 2 ** 40 },
  // Cache parts above the whole: the library refuses these when it prices cache.
  { input_tokens: 10, output_tokens: 10, cache_read_tokens: 20 },
];

function libraryPrice(usage: Usage, model: string, providerId: string): number | 'throws' | null {
  try {
    return calcPrice(usage, model, { providerId, timestamp: new Date('2026-01-15T12:00:00Z') })?.total_price ?? null;
  } catch {
    return 'throws';
  }
}

describe('token price functions (the fast path for genai-prices)', () => {
  it("equal calcPrice to the last bit for every constant-priced model in the catalogue", async () => {
    const providers = (await waitForUpdate()) ?? [];
    let checked = 0;
    for (const provider of providers) {
      for (const model of provider.models) {
        const first = calcPrice({ input_tokens: 1000, output_tokens: 10 }, model.id, { providerId: provider.id });
        // Bundled-prices only builds a function after the library priced the model once.
        if (!first || Array.isArray(first.model.prices)) continue;
        const price = tokenPriceFunction(first.model_price);
        if (!price) continue;
        checked++;
        for (const usage of USAGES) {
          const expected = libraryPrice(usage, model.id, provider.id);
          const actual = price(usage);
          if (expected === 'throws') expect(actual, `${provider.id} ${model.id} ${JSON.stringify(usage)}`).toBeNull();
          // null means "ask the library", which is always right.
          else if (actual !== null) expect(Object.is(actual, expected), `${provider.id} ${model.id} ${JSON.stringify(usage)}: ${actual} vs ${expected}`).toBe(true);
        }
      }
    }
    // Most of the catalogue takes the fast path: the comparison above is not vacuous.
    expect(checked).toBeGreaterThan(1000);
  });

  it('decline prices they cannot compute, leaving them to the library', () => {
    expect(tokenPriceFunction({ input_mtok: 1, requests_kcount: 5 })).toBeNull();
    expect(tokenPriceFunction({ input_document_kpages: 1 })).toBeNull();
    expect(tokenPriceFunction({ input_mtok: -1 })).toBeNull();
    expect(tokenPriceFunction({ input_mtok: 1, output_mtok: 2 })!({ input_tokens: 1.5, output_tokens: 1 })).toBeNull();
  });
});

/** bundledPriceNanos as it was before price functions were cached: calcPrice on every call. */
function referencePriceNanos(input: PriceInput): number | null {
  const cacheRead = input.cacheReadTokens ?? 0;
  const cacheWrite = input.cacheWriteTokens ?? 0;
  const usage: Usage = {
    input_tokens: cacheRead + cacheWrite > input.inputTokens ? input.inputTokens + cacheRead + cacheWrite : input.inputTokens,
    output_tokens: input.outputTokens,
  };
  if (cacheRead > 0) usage.cache_read_tokens = cacheRead;
  if (cacheWrite > 0) usage.cache_write_tokens = cacheWrite;
  const head = input.provider?.split('.')[0];
  const candidates = [input.provider ?? undefined, head !== input.provider ? head : undefined, undefined].filter(
    (p, i) => i === 2 || p,
  );
  for (const providerId of candidates) {
    try {
      const result = calcPrice(usage, input.model, { timestamp: input.at ?? new Date(), ...(providerId ? { providerId } : {}) });
      if (result) return nanosFromPrice(result.total_price);
    } catch {
      continue;
    }
  }
  return null;
}

describe('bundled prices with the per-model cache', () => {
  it('answer what calcPrice answered on every call, repeated calls included', () => {
    const pricing = createPricing({});
    const models: Array<[string, string | null]> = [
      ['gpt-4o-mini', 'openai'],
      ['gpt-4o', 'openai.chat'],
      ['claude-3-5-sonnet-20241022', 'anthropic'],
      ['claude-sonnet-4-5', 'anthropic'],
      ['gemini-1.5-flash', 'google'],
      ['gemini-1.5-pro', 'my-gateway'],
      ['deepseek-reasoner', 'deepseek'], // time-of-day prices: always the library
      ['deepseek-v4-pro', null],
      ['sonar', 'perplexity'], // a per-request price: always the library
      ['whisper-large-v3', 'groq'],
      ['broken-model', 'openai'],
      ['gpt-4o-mini', 'aws.bedrock'],
    ];
    const times = [new Date('2025-03-01T03:00:00Z'), new Date('2026-01-15T18:30:00Z'), undefined];
    for (let round = 0; round < 3; round++) {
      for (const [model, provider] of models) {
        for (const usage of USAGES) {
          for (const at of times) {
            const input: PriceInput = {
              model,
              provider,
              inputTokens: usage.input_tokens!,
              outputTokens: usage.output_tokens!,
              cacheReadTokens: usage.cache_read_tokens,
              cacheWriteTokens: usage.cache_write_tokens,
              at,
            };
            expect(pricing.priceNanos(input), `${model} ${provider} ${JSON.stringify(usage)} ${at?.toISOString()}`).toBe(
              referencePriceNanos(input),
            );
          }
        }
      }
    }
  });
});
