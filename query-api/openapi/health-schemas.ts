import type { Schema } from './openapi-types.js';

export const healthSchema: Schema = {
  type: 'object',
  description: 'The process answers.',
  properties: { status: { const: 'ok' } },
  required: ['status'],
  additionalProperties: false,
};

/** One readiness check: a passing one has no `error`, a failing one always has one. */
const checkSchema: Schema = {
  oneOf: [
    {
      type: 'object',
      properties: { name: { type: 'string' }, ok: { const: true } },
      required: ['name', 'ok'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { name: { type: 'string' }, ok: { const: false }, error: { type: 'string', description: 'Why the check failed.' } },
      required: ['name', 'ok', 'error'],
      additionalProperties: false,
    },
  ],
};

export const readinessSchema: Schema = {
  type: 'object',
  description: 'Every dependency the process needs (store, queue) answers: `ready` (200), else `unavailable` (503).',
  properties: {
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    checks: { type: 'array', items: checkSchema },
  },
  required: ['status', 'checks'],
  additionalProperties: false,
};
