/**
 * The part of OpenAPI 3.1 (and of JSON Schema 2020-12, its schema dialect)
 * this document uses, as closed types: a misspelt keyword (`requried`) is a
 * compile error instead of a silently ignored key.
 */

export type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';

export interface Schema {
  $ref?: string;
  type?: JsonType | JsonType[];
  title?: string;
  description?: string;
  format?: string;
  pattern?: string;
  enum?: ReadonlyArray<string | number | boolean | null>;
  const?: string | number | boolean | null;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: readonly string[];
  /** false wherever a shape is fixed: an undocumented field then fails the response tests. */
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  default?: unknown;
  examples?: unknown[];
  contentMediaType?: string;
}

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  description: string;
  required?: boolean;
  schema: Schema;
  example?: unknown;
}

export interface Reference {
  $ref: string;
  description?: string;
}

export interface MediaType {
  schema: Schema;
  example?: unknown;
}

export interface Header {
  description: string;
  schema: Schema;
}

export interface Response {
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, MediaType>;
}

export interface RequestBody {
  description: string;
  required: boolean;
  content: Record<string, MediaType>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Array<Parameter | Reference>;
  requestBody?: RequestBody;
  responses: Record<string, Response | Reference>;
}

export interface PathItem {
  /** Path parameters shared by every operation of the path. */
  parameters?: Array<Parameter | Reference>;
  get?: Operation;
  post?: Operation;
  delete?: Operation;
}

export interface Tag {
  name: string;
  description: string;
}

export interface Components {
  schemas: Record<string, Schema>;
  parameters: Record<string, Parameter>;
  responses: Record<string, Response>;
}

export interface OpenApiDocument {
  openapi: `3.1.${number}`;
  info: { title: string; version: string; summary?: string; description: string; license?: { name: string; identifier: string } };
  jsonSchemaDialect?: string;
  tags: Tag[];
  paths: Record<string, PathItem>;
  components: Components;
}
