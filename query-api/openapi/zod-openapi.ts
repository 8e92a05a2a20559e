import { z } from 'zod';
import type { Parameter, Schema } from './openapi-types.js';

/*
 * The document's query parameters and request bodies come from the zod
 * schemas the routes validate with, through zod's own JSON Schema output
 * (draft 2020-12, the dialect of OpenAPI 3.1). Read as the client sends
 * them (`io: 'input'`): a parameter's schema is its text before parsing.
 * Descriptions and examples are `.meta()` on the shapes' fields; the
 * helpers of query-params.ts add what a refine or a transform cannot say
 * (integer bounds, enums, dates, defaults). A new route documents its
 * query as `parameters: queryParameters(itsShape)` (fields reused from
 * ledgerFilterShape bring their descriptions along).
 */

interface FieldMeta {
  description?: string;
  examples?: unknown[];
  default?: unknown;
}

/** A date's `anyOf` already says `string`; zod's own `type: string` next to it would only repeat it. */
function tidy(ctx: { jsonSchema: Record<string, unknown> }): void {
  if (ctx.jsonSchema.anyOf !== undefined && ctx.jsonSchema.type === 'string') delete ctx.jsonSchema.type;
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...out } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', override: tidy }) as Record<string, unknown>;
  return out;
}

/**
 * One query parameter per key of a route's shape, in the shape's order.
 * zod drops `default` and `examples` from a field that transforms its input
 * (they could be output values), so they are read from the field's own
 * metadata, where withDefault() and the shapes put them.
 */
export function queryParameters(shape: z.ZodRawShape): Parameter[] {
  const object = jsonSchemaOf(z.object(shape)) as { properties: Record<string, Schema>; required?: string[] };
  return Object.entries(shape).map(([name, field]) => {
    const meta = (z.globalRegistry.get(field) ?? {}) as FieldMeta;
    const { description, examples: _examples, default: _default, ...schema } = object.properties[name] as Schema & FieldMeta;
    if (!(meta.description ?? description)) throw new Error(`query parameter \`${name}\` has no description: add .meta({ description }) to its field`);
    return {
      name,
      in: 'query',
      description: (meta.description ?? description)!,
      ...(object.required?.includes(name) ? { required: true } : {}),
      schema: meta.default === undefined ? schema : { ...schema, default: meta.default },
      ...(meta.examples?.length ? { example: meta.examples[0] } : {}),
    } satisfies Parameter;
  });
}

/** A field's description as the API documents it (its `.meta()`), for other surfaces of the same parameter (the CLI's help). */
export function fieldDescription(field: z.ZodType): string | undefined {
  return ((z.globalRegistry.get(field) ?? {}) as FieldMeta).description ?? field.description;
}

/** A request body's schema component, from the zod schema its route parses the body with. */
export function bodySchema(schema: z.ZodType): Schema {
  return jsonSchemaOf(schema) as Schema;
}
