import type { Schema } from './openapi-types.js';
import { schemaRef } from './refs.js';

/**
 * The traces seed's `modelConfig` (model/model-config.ts): the model, its
 * provider, then whatever request parameters the span carried
 * (`temperature`, `max_tokens`, `top_p`, …), so it stays open.
 */
export const modelConfigSchema: Schema = {
  type: 'object',
  description: 'The model and its request parameters (temperature, max_tokens, top_p, top_k, seed, stop_sequences, …).',
  properties: {
    model: { type: 'string' },
    provider: { type: ['string', 'null'] },
  },
  required: ['model', 'provider'],
  additionalProperties: schemaRef('JsonValue'),
  examples: [{ model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', temperature: 0.7, max_tokens: 2048 }],
};
