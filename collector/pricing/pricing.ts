import { bundledPriceNanos } from './bundled-prices.js';
import { loadPriceOverrides, overridePriceNanos, type PriceOverrides } from './price-overrides.js';

export interface PriceInput {
  model: string;
  provider: string | null;
  /** All input tokens, cached ones included (as the GenAI conventions count them). */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  /** When the call happened: some prices depend on the date or time of day. Defaults to now. */
  at?: Date;
}

export interface Pricing {
  /** Integer nano-USD, or null when no price is known for the model. */
  priceNanos(input: PriceInput): number | null;
}

/**
 * Prices from the bundled @pydantic/genai-prices data (never fetched: we do
 * not call its updatePrices), with a local override file that wins for the
 * models it names. Reading the file is synchronous because it happens once,
 * at start-up, and a bad file must stop the start.
 */
export function createPricing(options: { overridesFile?: string | null }): Pricing {
  const overrides: PriceOverrides = options.overridesFile ? loadPriceOverrides(options.overridesFile) : new Map();
  return {
    priceNanos(input) {
      const override = overrides.size > 0 ? (overrides.get(input.model) ?? overrides.get(input.model.toLowerCase())) : undefined;
      return override ? overridePriceNanos(override, input) : bundledPriceNanos(input);
    },
  };
}
