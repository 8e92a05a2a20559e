import type { ParsedUrlQuery } from 'node:querystring';
import { z } from 'zod';
import { microsFromDateText } from '../model/time.js';
import { validationError } from './api-error.js';

/**
 * Validates a query string against a zod object schema. Unknown and repeated
 * parameters are refused: a misspelt filter must not silently widen an audit
 * query. The first problem becomes a 400 naming the parameter.
 */
export function parseQuery<T extends z.ZodRawShape>(query: ParsedUrlQuery, shape: T): z.infer<z.ZodObject<T>> {
  // own keys only, into an object without a prototype: `__proto__`, `constructor` or `toString` are unknown names like any other
  const values: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(query)) {
    if (!Object.hasOwn(shape, key)) throw validationError(`unknown query parameter \`${key}\`; allowed: ${Object.keys(shape).join(', ')}`);
    if (Array.isArray(value)) throw validationError(`query parameter \`${key}\` must be given once`);
    if (value !== undefined) values[key] = value;
  }
  const result = z.object(shape).safeParse(values);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw validationError(`\`${issue.path.join('.')}\` ${issue.message}`);
}

/*
 * Each helper states, in zod metadata, the JSON Schema of what it accepts
 * from the same arguments it validates with (a refine or a transform has no
 * JSON Schema of its own): query-api/openapi/zod-openapi.ts builds the
 * OpenAPI parameters from the route shapes with z.toJSONSchema.
 */

/** Left out, the parameter is `fallback`, and the document says so. */
export const withDefault = <T extends z.ZodType, const D>(schema: T, fallback: D) =>
  schema
    .optional()
    .transform((v): NonNullable<z.output<T>> | D => v ?? fallback)
    .meta({ default: fallback });

const INT = /^-?\d+$/;

export const intParam = (min: number, max: number, fallback: number) =>
  withDefault(
    z
      .string()
      .refine((s) => INT.test(s) && Number(s) >= min && Number(s) <= max, `must be an integer from ${min} to ${max}`)
      .transform(Number)
      .meta({ type: 'integer', minimum: min, maximum: max }),
    fallback,
  );

export const enumParam = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .refine((s): s is T[number] => (values as readonly string[]).includes(s), `must be one of ${values.join(', ')}`)
    .meta({ enum: [...values] });

/** USD in decimal notation, kept as text: the filter converts it to nanos exactly (ledger-params.ts), never through a double. */
export const usdParam = () =>
  z
    .string()
    .refine((s) => /^\d{1,30}(\.\d{1,30})?$/.test(s), 'must be a non-negative number of USD in decimal notation (at most 30 digits either side of the point)')
    .meta({ type: 'number', minimum: 0 })
    .optional();

export const textParam = (max = 1000) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).optional();

/**
 * Whose run (exporters/store.ts RunUser): a user id, or empty for the run of
 * spans with no user (no user id is empty); undefined when left out.
 */
export const runUserParam = () =>
  z
    .string()
    .max(1000, 'must be at most 1000 characters')
    .optional()
    .transform((v) => (v === undefined ? undefined : v === '' ? null : v));

/**
 * RFC 3339 or a bare date, to µs. A bare date is the start of that UTC day,
 * or its last microsecond when it ends a range (so end_date=2024-12-31 takes in all of that day).
 */
export const dateParam = (edge: 'start' | 'end') =>
  z
    .string()
    .transform((s, ctx) => {
      const us = microsFromDateText(s, edge);
      if (typeof us === 'string') {
        ctx.addIssue({ code: 'custom', message: us });
        return z.NEVER;
      }
      return us;
    })
    .meta({ anyOf: [{ type: 'string', format: 'date-time' }, { type: 'string', format: 'date' }] })
    .optional();
