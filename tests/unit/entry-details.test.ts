import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { entryDetailsSchema } from '../../model/entry-details.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { traceDetailOf } from '../../query-api/traces/trace-detail.js';
import { decodeFixture, fixtureFiles, normalizeContext, normalizeOne } from '../helpers/normalize-spans.js';

const SCOPE = { organization_id: 'org_test' };
const FOLDERS = ['otel-genai', 'openinference', 'openllmetry', 'langfuse'];

describe('each mapper puts what readers need on the entry', () => {
  const details = (attributes: Record<string, string | number | string[]>) => {
    const d = normalizeOne(attributes).details!;
    expect(entryDetailsSchema.parse(d)).toEqual(d);
    return d;
  };

  it('GenAI: messages, instructions, tools, tool choice, parameters, tool call, agent, conversation', () => {
    const d = details({
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o',
      'gen_ai.system_instructions': '[{"type":"text","content":"Be brief."}]',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
      'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"hello"}]}]',
      'gen_ai.tool.definitions': '[{"type":"function","name":"lookup","parameters":{"type":"object"}}]',
      'gen_ai.request.tool_choice': 'auto', 'gen_ai.request.temperature': 0.2, 'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.agent.name': 'Support', 'gen_ai.conversation.id': 'conv-1',
    });
    expect(d.input_messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }]);
    expect(d.output_messages).toEqual([{ role: 'assistant', content: 'hello' }]);
    expect(d.tool_definitions).toEqual([{ name: 'lookup', description: null, parameters: { type: 'object' }, metadata: {} }]);
    expect(d).toMatchObject({ tool_choice: 'auto', model_parameters: { temperature: 0.2, stop_sequences: ['END'] }, agent_name: 'Support', conversation_id: 'conv-1' });
    expect(details({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.call.id': 'call_1', 'gen_ai.tool.description': 'Looks up' }))
      .toMatchObject({ tool_call_id: 'call_1', tool_description: 'Looks up' });
    expect(details({ 'gen_ai.operation.name': 'embeddings' }).embedding).toBe(true);
    // legacy flattened messages rank below a current convention's
    expect(details({ 'gen_ai.prompt.0.role': 'user', 'gen_ai.prompt.0.content': 'old' }).input_messages).toEqual([{ role: 'user', content: 'old' }]);
  });

  it('OpenInference: flattened messages and tools, invocation parameters, session, user, metadata', () => {
    const d = details({
      'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o',
      'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.content': 'hi',
      'llm.output_messages.0.message.role': 'assistant', 'llm.output_messages.0.message.content': 'yo',
      'llm.tools.0.tool.json_schema': '{"type":"function","function":{"name":"lookup","description":"d","parameters":{}}}',
      'llm.invocation_parameters': '{"temperature":0.5,"tool_choice":"required","model":"x"}',
      'session.id': 's-1', 'user.id': 'u-1', metadata: '{"tier":"gold"}',
    });
    expect(d.input_messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(d.output_messages).toEqual([{ role: 'assistant', content: 'yo' }]);
    expect(d.tool_definitions?.map((t) => t.name)).toEqual(['lookup']);
    expect(d).toMatchObject({ tool_choice: 'required', model_parameters: { temperature: 0.5 }, session_id: 's-1', end_user_id: 'u-1', metadata: { tier: 'gold' } });
    expect(d.model_parameters).not.toHaveProperty('model');
  });

  it('Langfuse: prompt name, model parameters, user, session, environment, trace and observation metadata', () => {
    const d = details({
      'langfuse.observation.type': 'generation', 'langfuse.observation.prompt.name': 'support-v2',
      'langfuse.observation.model.parameters': '{"max_tokens":100}', 'langfuse.user.id': 'u-2', 'langfuse.session.id': 's-2',
      'langfuse.environment': 'prod', 'langfuse.trace.metadata': '{"a":1}', 'langfuse.trace.metadata.b': 'x',
      'langfuse.observation.metadata.c': 'y',
    });
    expect(d).toMatchObject({
      prompt_name: 'support-v2', model_parameters: { max_tokens: 100 }, end_user_id: 'u-2', session_id: 's-2', environment: 'prod',
      trace_metadata: { a: 1, b: 'x' }, observation_metadata: { c: 'y' },
    });
  });

  it('AI SDK: prompt messages, response, tools, tool choice, tool call id', () => {
    const d = details({
      'ai.operationId': 'ai.generateText.doGenerate', 'ai.prompt.messages': '[{"role":"user","content":"hi"}]',
      'ai.response.text': 'hello', 'ai.prompt.tools': ['{"type":"function","name":"lookup","inputSchema":{}}'],
      'ai.prompt.toolChoice': '{"type":"auto"}',
    });
    expect(d.input_messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(d.output_messages).toEqual([{ role: 'assistant', content: 'hello' }]);
    expect(d).toMatchObject({ tool_definitions: [{ name: 'lookup' }], tool_choice: { type: 'auto' } });
    expect(details({ 'ai.operationId': 'ai.toolCall', 'ai.toolCall.id': 'c-9' }).tool_call_id).toBe('c-9');
  });

  it('OpenLLMetry and ledger attributes: association properties, end user, prompt name', () => {
    expect(details({ 'traceloop.span.kind': 'workflow', 'traceloop.association.properties.team': 'a', 'enduser.id': 'u-3' }))
      .toMatchObject({ metadata: { team: 'a' }, end_user_id: 'u-3' });
    expect(details({ 'ledger.prompt.name': 'mine', 'langfuse.observation.prompt.name': 'theirs' }).prompt_name).toBe('mine');
  });
});

describe('the traces API reads details, never attributes', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function traceOf(folder: string, change: (e: EntryRecord) => EntryRecord) {
    const dir = mkdtempSync(join(tmpdir(), 'details-'));
    dirs.push(dir);
    const store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
    try {
      let runId = '';
      for (const file of fixtureFiles(folder)) {
        const batch = normalizeRequest(decodeFixture(folder, file), normalizeContext()).map(change);
        runId = batch[0].run_id;
        await store.ledger.write(batch);
      }
      const detail = traceDetailOf((await store.ledger.getRun(SCOPE, runId))!);
      return { ...detail, metadata: { ...detail.metadata } };
    } finally {
      await store.close();
    }
  }

  it.each(FOLDERS)('%s: the same answer with the raw attributes removed from new rows', async (folder) => {
    const asIs = await traceOf(folder, (e) => e);
    expect(asIs.messages.length).toBeGreaterThan(0);
    expect(await traceOf(folder, (e) => ({ ...e, attributes: {} }))).toEqual(asIs);
  });

  it.each(FOLDERS)('%s: rows stored before details (NULL column) answer the same, read through the mappers', async (folder) => {
    const asIs = await traceOf(folder, (e) => e);
    expect(await traceOf(folder, ({ details: _d, ...e }) => e)).toEqual(asIs);
  });
});

describe('convention attribute names live in the mappers only', () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });

  // As string literals, i.e. code that reads them; comments and the OpenAPI descriptions may name them (in backticks).
  it('no code in query-api, exporters or model reads a gen_ai / llm / langfuse / traceloop / ai / openinference attribute', () => {
    const pattern = /['"](gen_ai|llm|langfuse|traceloop|ai|openinference|session|enduser|tool_call)\.[a-zA-Z_]/;
    const leaks = ['query-api', 'exporters', 'model'].flatMap(files).filter((f) => pattern.test(readFileSync(f, 'utf8')));
    expect(leaks).toEqual([]);
  });
});
