import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../model/ledger-entry.js';
import type { DecodedSpan } from '../../collector/otlp/decoded-span.js';
import type { ConventionMapper } from '../../collector/normalize/convention-mapper.js';
import { CONVENTION_MAPPERS, mappersFor } from '../../collector/normalize/mappers.js';
import { runMappers } from '../../collector/normalize/merge-contributions.js';
import { PayloadReader } from '../../collector/normalize/payload-reader.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { decodeFixture, fixtureFiles, makeSpan } from '../helpers/normalize-spans.js';

const fixtureSpans: DecodedSpan[] = readdirSync(FIXTURES_DIR)
  .filter((folder) => statSync(join(FIXTURES_DIR, folder)).isDirectory())
  .flatMap((folder) => fixtureFiles(folder).flatMap((file) => decodeFixture(folder, file)));

/** The attribute keys a mapper reads from a span, found by watching it. */
function keysRead(mapper: ConventionMapper, span: DecodedSpan): Set<string> {
  const read = new Set<string>();
  const attributes = new Proxy(span.attributes, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return Reflect.get(target, key);
    },
  });
  mapper.map({ span: { ...span, attributes }, payloads: new PayloadReader(64) });
  return read;
}

/**
 * A span carrying every key any mapper was seen to read, grown until no new
 * key appears, with values that take the mappers down their deeper branches.
 */
function everythingSpan(): DecodedSpan {
  const attributes: Attributes = {};
  for (let round = 0; round < 4; round++) {
    for (const mapper of CONVENTION_MAPPERS) {
      for (const key of keysRead(mapper, makeSpan({ attributes }))) attributes[key] ??= '{"a": 1}';
    }
    Object.assign(attributes, {
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.completion.0.content': 'hi',
      'llm.input_messages.0.message.role': 'user',
      'llm.output_messages.0.message.content': 'hi',
      'ledger.compliance.model_card': '{"name": "m"}',
    });
  }
  return makeSpan({ attributes });
}

describe('mapper selection', () => {
  const spans = [...fixtureSpans, everythingSpan()];

  it('has real spans to check', () => {
    expect(fixtureSpans.length).toBeGreaterThanOrEqual(20);
  });

  it("declares, for every mapper, the namespace of every attribute it reads", () => {
    for (const mapper of CONVENTION_MAPPERS) {
      for (const span of spans) {
        for (const key of keysRead(mapper, span)) {
          const dot = key.indexOf('.');
          expect(mapper.namespaces, `${mapper.name} reads ${key}`).toContain(dot === -1 ? key : key.slice(0, dot));
        }
      }
    }
  });

  it('merges the same as running every mapper, payload truncation included', () => {
    const singles = ([
      { 'tool.name': 'lookup' },
      { 'input.value': '{"q": 1}', 'input.mime_type': 'application/json' },
      { 'llm.request.type': 'chat', 'llm.usage.total_tokens': 5 },
      { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 't' },
      { 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.id': 'gpt-4o' },
      { 'langfuse.observation.type': 'generation', 'langfuse.observation.level': 'ERROR' },
      { 'ledger.inputs': '[[[[1]]]]' },
      { 'gen_ai.tool.call.arguments': '[[[[1]]]]', 'ledger.tags': ['a', 'b'], 'langfuse.trace.tags': '["b", "c"]' },
      { unrelated: 'x', 'service.name': 'y' },
    ] as Attributes[]).map((attributes) => makeSpan({ attributes }));
    for (const span of [...spans, ...singles]) {
      const all = new PayloadReader(2);
      const selected = new PayloadReader(2);
      const expected = runMappers(CONVENTION_MAPPERS, { span, payloads: all });
      expect(runMappers(mappersFor(span), { span, payloads: selected }), span.name).toEqual(expected);
      expect(selected.truncated).toEqual(all.truncated);
    }
  });

  it('runs only the conventions a span speaks', () => {
    const names = (attributes: Attributes, events: DecodedSpan['events'] = []) =>
      mappersFor(makeSpan({ attributes, events })).map((m) => m.name);
    expect(names({ 'gen_ai.operation.name': 'chat', 'ledger.cost_usd': 0.1 })).toEqual(['ledger', 'otel-genai']);
    expect(names({ 'service.name': 'x' })).toEqual([]);
    expect(names({}, [{ name: 'gen_ai.user.message', timeUnixNano: 0n, attributes: {} }])).toEqual(['otel-genai']);
    expect(names({ 'llm.model_name': 'm' })).toEqual(['openinference', 'openllmetry']);
  });
});
