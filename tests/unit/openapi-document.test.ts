import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../query-api/openapi/document.js';
import type { Operation, Parameter, Reference, Response } from '../../query-api/openapi/openapi-types.js';

/** The document as a client receives it: plain JSON. */
const doc = JSON.parse(JSON.stringify(openApiDocument));

const isRef = (x: object): x is Reference => '$ref' in x;

/** A local JSON pointer (`#/components/schemas/X`) resolved in the document; undefined when it leads nowhere. */
function resolvePointer(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: any = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

function* refsIn(node: unknown, path = '#'): Generator<{ ref: string; at: string }> {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) yield* refsIn(v, `${path}/${i}`);
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') yield { ref: v, at: path };
      else yield* refsIn(v, `${path}/${k}`);
    }
  }
}

function operations(): Array<{ path: string; method: string; op: Operation; pathParams: Array<Parameter | Reference> }> {
  return Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].includes(method))
      .map(([method, op]) => ({ path, method, op: op as Operation, pathParams: item.parameters ?? [] })),
  );
}

const deref = <T extends object>(x: T | Reference): T => (isRef(x) ? (resolvePointer(x.$ref) as T) : x);

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with the package version', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(doc.info.version).toBe(pkg.version);
  });

  it('validates against the official OpenAPI 3.1 JSON Schema, refs included', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('resolves every $ref, and uses every component', () => {
    const refs = [...refsIn(doc)];
    const unresolved = refs.filter(({ ref }) => resolvePointer(ref) === undefined);
    expect(unresolved).toEqual([]);
    const used = new Set(refs.map(({ ref }) => ref));
    const unused = Object.entries(doc.components as Record<string, Record<string, unknown>>).flatMap(([kind, entries]) =>
      Object.keys(entries)
        .map((name) => `#/components/${kind}/${name}`)
        .filter((ref) => !used.has(ref)),
    );
    expect(unused).toEqual([]);
  });

  it('gives every operation a unique operationId, a tag that exists and a JSON success response', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc.tags.map((t: { name: string }) => t.name));
    for (const { path, op } of operations()) {
      expect(op.tags.every((t) => tags.has(t)), path).toBe(true);
      const success = Object.keys(op.responses).filter((s) => /^2\d\d$/.test(s));
      expect(success, path).not.toEqual([]);
      for (const status of success) expect(deref<Response>(op.responses[status]).content, `${path} ${status}`).toBeDefined();
    }
  });

  it('answers 400 wherever an operation takes parameters, 404 wherever it names a resource in its path', () => {
    for (const { path, op, pathParams } of operations()) {
      const params = [...pathParams, ...(op.parameters ?? [])].map((p) => deref<Parameter>(p));
      // /healthz and /readyz ignore their query string; everything else refuses unknown parameters.
      const strict = !['/healthz', '/readyz'].includes(path);
      if (params.length > 0 || strict) expect(Object.keys(op.responses), path).toContain('400');
      // a timeline's path holds a value looked up, not a resource: one never seen is an empty timeline (count 0), not a 404
      const lookup = op.operationId === 'getEntityTimeline';
      if (params.some((p) => p.in === 'path') && !lookup) expect(Object.keys(op.responses), path).toContain('404');
      if (lookup) expect(Object.keys(op.responses), path).not.toContain('404');
      for (const [status, response] of Object.entries(op.responses)) {
        if (/^[45]\d\d$/.test(status) && status !== '503') expect(deref<Response>(response).content?.['application/json']?.schema, `${path} ${status}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
  });

  it('declares each path template parameter once, as a required path parameter, and no other', () => {
    for (const { path, op, pathParams } of operations()) {
      const inTemplate = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = [...pathParams, ...(op.parameters ?? [])].map((p) => deref<Parameter>(p)).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), path).toEqual(inTemplate);
      expect(declared.every((p) => p.required === true), path).toBe(true);
    }
  });

  it('has schemas that compile under Ajv 2020 strict mode, and examples that pass them', () => {
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    // ajv-formats is CommonJS: under NodeNext its default import is module.exports, whose `default` is the plugin.
    ajvFormats.default(ajv);
    const BASE = 'urn:agent-ledger:openapi';
    // The components as one schema resource, so each `#/components/schemas/X` resolves inside it.
    const rewrite = (node: unknown): unknown =>
      JSON.parse(JSON.stringify(node).replace(/"#\/components\/schemas\//g, `"${BASE}#/$defs/`));
    ajv.addSchema({ $id: BASE, $defs: rewrite(doc.components.schemas) as object });
    for (const [name, schema] of Object.entries(doc.components.schemas as Record<string, { examples?: unknown[] }>)) {
      const validate = ajv.getSchema(`${BASE}#/$defs/${name}`)!;
      expect(validate, name).toBeDefined();
      for (const example of schema.examples ?? []) expect(validate(example), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    for (const { path, op, pathParams } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(deref<Response>(response).content ?? {})) {
          const validate = ajv.compile(rewrite(media.schema) as object);
          if (media.example !== undefined) expect(validate(media.example), `${path} ${status} ${type}`).toBe(true);
        }
      }
      for (const p of [...pathParams, ...(op.parameters ?? [])].map((x) => deref<Parameter>(x))) {
        const validate = ajv.compile(rewrite(p.schema) as object);
        // an opaque cursor is valid only as the API handed it out: it alone has no example
        if (p.example === undefined && p.name === 'cursor') continue;
        expect(validate(p.example), `${path} ${p.name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
    }
  });
});
