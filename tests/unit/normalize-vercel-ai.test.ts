import { describe, expect, it } from 'vitest';
import { normalizeOne } from '../helpers/normalize-spans.js';

// Attribute sets as the AI SDK's experimental_telemetry sends them, older names included (real v7 captures: normalize-vercel-ai-fixtures.test.ts).
const usageV4 = { 'ai.usage.promptTokens': 57, 'ai.usage.completionTokens': 18 };

describe('Vercel AI SDK legacy telemetry (ai.*)', () => {
  it('maps and prices a doGenerate provider call', () => {
    const e = normalizeOne(
      {
        'ai.operationId': 'ai.generateText.doGenerate',
        'operation.name': 'ai.generateText.doGenerate support',
        'ai.model.id': 'gpt-4o-mini',
        'ai.model.provider': 'openai.chat',
        'ai.response.model': 'gpt-4o-mini-2024-07-18',
        ...usageV4,
        'ai.prompt.messages': '[{"role":"user","content":[{"type":"text","text":"Where is C-1042?"}]}]',
        'ai.response.text': 'It shipped.',
        'ai.response.finishReason': 'stop',
      },
      { name: 'ai.generateText.doGenerate' },
    );
    expect(e).toMatchObject({
      kind: 'llm',
      name: 'ai.generateText.doGenerate',
      model: 'gpt-4o-mini-2024-07-18',
      provider: 'openai.chat',
      input_tokens: 57,
      output_tokens: 18,
      total_tokens: 75,
      outputs: { text: 'It shipped.' },
    });
    expect((e.inputs as any).messages[0].content[0].text).toBe('Where is C-1042?');
    expect(e.cost_nanos).toBeGreaterThan(0);
  });

  it('prices doStream with v5 usage names', () => {
    const e = normalizeOne({
      'ai.operationId': 'ai.streamText.doStream',
      'ai.model.id': 'gpt-4o-mini',
      'ai.model.provider': 'openai.responses',
      'ai.usage.inputTokens': 100,
      'ai.usage.outputTokens': 20,
      'ai.usage.totalTokens': 120,
    });
    expect(e).toMatchObject({ kind: 'llm', input_tokens: 100, total_tokens: 120 });
    expect(e.cost_nanos).toBeGreaterThan(0);
  });

  it('does not price the generateText wrapper, though it carries the same usage', () => {
    const e = normalizeOne({
      'ai.operationId': 'ai.generateText',
      'ai.model.id': 'gpt-4o-mini',
      'ai.model.provider': 'openai.chat',
      ...usageV4,
      'ai.prompt': '{"system":"Be brief.","prompt":"Where is C-1042?"}',
    });
    expect(e).toMatchObject({ kind: 'chain', cost_nanos: 0, total_tokens: 75 });
    expect(e.inputs).toEqual({ system: 'Be brief.', prompt: 'Where is C-1042?' });
  });

  it('maps a tool call: name, args, result', () => {
    const e = normalizeOne(
      {
        'ai.operationId': 'ai.toolCall',
        'ai.toolCall.name': 'lookup_order',
        'ai.toolCall.id': 'call_1',
        'ai.toolCall.args': '{"customer_id":"C-1042"}',
        'ai.toolCall.result': '{"order_id":"O-88231"}',
      },
      { name: 'ai.toolCall' },
    );
    expect(e).toMatchObject({
      kind: 'tool',
      name: 'lookup_order',
      inputs: { customer_id: 'C-1042' },
      outputs: { order_id: 'O-88231' },
    });
  });

  it('blocks a content-filtered response', () => {
    const e = normalizeOne({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.response.finishReason': 'content-filter' });
    expect(e.outcome).toBe('blocked');
  });

  it('lets gen_ai.* attributes on the same span win over ai.*', () => {
    const e = normalizeOne({
      'ai.operationId': 'ai.generateText.doGenerate',
      'ai.model.id': 'gpt-4o-mini',
      'ai.model.provider': 'openai.chat',
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': 57,
      'gen_ai.usage.output_tokens': 18,
    });
    expect(e).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18', input_tokens: 57, kind: 'llm' });
  });
});
