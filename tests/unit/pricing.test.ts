import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPricing } from '../../collector/pricing/pricing.js';
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

  it('prices gpt-4o-mini at the bundled $0.15 / $0.60 per million tokens, in whole micro-USD', () => {
    // 57 × 0.15 + 18 × 0.60 = 19.35 micro-USD → 19
    expect(pricing.priceMicros({ model: 'gpt-4o-mini-2024-07-18', provider: 'openai', inputTokens: 57, outputTokens: 18 })).toBe(19);
    expect(pricing.priceMicros({ model: 'gpt-4o-mini', provider: 'openai', inputTokens: 1_000_000, outputTokens: 0 })).toBe(150_000);
  });

  it('matches by model alone when the provider is unknown or suffixed', () => {
    const base = { model: 'gpt-4o-mini', inputTokens: 57, outputTokens: 18 };
    expect(pricing.priceMicros({ ...base, provider: null })).toBe(19);
    expect(pricing.priceMicros({ ...base, provider: 'openai.chat' })).toBe(19);
    expect(pricing.priceMicros({ ...base, provider: 'my-gateway' })).toBe(19);
  });

  it('answers null for unknown models', () => {
    expect(pricing.priceMicros({ model: 'broken-model', provider: 'openai', inputTokens: 10, outputTokens: 10 })).toBeNull();
  });

  it('prices cache reads below fresh input and tolerates cache counted outside input', () => {
    const base = { model: 'claude-sonnet-4-20250514', provider: 'anthropic', outputTokens: 0 };
    const fresh = pricing.priceMicros({ ...base, inputTokens: 10_000 })!;
    const cached = pricing.priceMicros({ ...base, inputTokens: 10_000, cacheReadTokens: 9_000 })!;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(fresh);
    // Anthropic-style counts (cache not included in input) must not throw.
    expect(pricing.priceMicros({ ...base, inputTokens: 100, cacheReadTokens: 9_000 })).toBeGreaterThan(0);
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
    expect(pricing.priceMicros({ model: 'acme-llm-7b', provider: null, inputTokens: 1000, outputTokens: 100, cacheReadTokens: 400 })).toBe(2200);
    expect(pricing.priceMicros({ model: 'gpt-4o-mini', provider: 'openai', inputTokens: 57, outputTokens: 18 })).toBe(75);
    // Models the file does not name still use the bundled data.
    expect(pricing.priceMicros({ model: 'gpt-4o', provider: 'openai', inputTokens: 1000, outputTokens: 0 })).toBeGreaterThan(0);
  });

  it('reads JSON and matches model names case-insensitively', () => {
    const pricing = createPricing({
      overridesFile: file('prices.json', JSON.stringify({ 'Acme-LLM': { input_per_mtok_usd: 1.5, output_per_mtok_usd: 3 } })),
    });
    expect(pricing.priceMicros({ model: 'acme-llm', provider: null, inputTokens: 1, outputTokens: 1 })).toBe(5);
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
    expect(e.cost_micros).toBe(2800);
  });
});
