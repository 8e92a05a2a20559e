import Anthropic from '@anthropic-ai/sdk';
import AnthropicV0 from 'anthropic-sdk-v0';
import { beforeEach, describe, expect, it } from 'vitest';
import { instrumentAnthropic, runAgent } from '../src/index.js';
import { fakeFetch, type Reply } from './helpers/fake-fetch.js';
import { memorySdk } from './helpers/memory-sdk.js';

const sdk = memorySdk({ agentId: 'anthropic-test-agent' });

// The oldest and the newest version the peer range allows; the instrumentation tests run on both.
// The 0.50 client is typed as the current one: the calls below are valid on both.
const SDKS = [
  { label: '@anthropic-ai/sdk 0.50 (oldest supported)', Client: AnthropicV0 as unknown as typeof Anthropic },
  { label: '@anthropic-ai/sdk 1 (current)', Client: Anthropic },
];

const MODEL = 'claude-3-5-haiku-20241022';
const message = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content: [
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_use', id: 'toolu_1', name: 'get_order', input: { order_id: 'A1' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 50, output_tokens: 20, cache_read_input_tokens: 200, cache_creation_input_tokens: 10 },
};

const streamReply: Reply = {
  sse: [
    { event: 'message_start', data: { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Refund ' } } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'approved.' } } },
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_2', name: 'notify', input: {} } } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"to":' } } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"ops"}' } } },
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } },
    { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } } },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ],
};

const params = { model: MODEL, max_tokens: 256, system: 'You approve refunds.', messages: [{ role: 'user' as const, content: 'Refund order A1?' }] };

beforeEach(() => sdk.reset());

describe.each(SDKS)('$label', ({ Client }) => {
  function client(replies: Reply[], options: Parameters<typeof instrumentAnthropic>[1] = {}) {
    const fake = fakeFetch(replies);
    const c = new Client({ apiKey: 'sk-ant-test', baseURL: 'http://claude.test', fetch: fake.fetch, maxRetries: 0 });
    return { anthropic: instrumentAnthropic(c, options), fake };
  }

  describe('instrumentAnthropic: messages.create', () => {
    it('records one chat span (the SDK’s own span switched off) with usage including cached input', async () => {
      const { anthropic } = client([{ json: message }]);
      const result = await anthropic.messages.create(params);
      expect(result.id).toBe('msg_1');
      const spans = await sdk.spans();
      expect(spans.map((s) => s.name)).toEqual([`chat ${MODEL}`]);
      expect(spans[0].attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': MODEL,
        'gen_ai.request.max_tokens': 256,
        'gen_ai.response.model': MODEL,
        'gen_ai.response.id': 'msg_1',
        'gen_ai.response.finish_reasons': ['tool_use'],
        'gen_ai.usage.input_tokens': 260,
        'gen_ai.usage.output_tokens': 20,
        'gen_ai.usage.cache_read.input_tokens': 200,
        'gen_ai.usage.cache_creation.input_tokens': 10,
        'gen_ai.agent.id': 'anthropic-test-agent',
        'server.address': 'claude.test',
      });
      expect(spans[0].attributes['gen_ai.input.messages']).toBeUndefined();
    });

    it('records system instructions and messages when content capture is on', async () => {
      const { anthropic } = client([{ json: message }], { captureContent: true });
      await anthropic.messages.create({
        ...params,
        messages: [
          { role: 'user', content: 'Refund order A1?' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_0', name: 'get_order', input: { order_id: 'A1' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_0', content: 'delivered' }] },
        ],
      });
      const span = await sdk.byName(`chat ${MODEL}`);
      expect(JSON.parse(span.attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'You approve refunds.' }]);
      expect(JSON.parse(span.attributes['gen_ai.input.messages'] as string)).toEqual([
        { role: 'user', parts: [{ type: 'text', content: 'Refund order A1?' }] },
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'toolu_0', name: 'get_order', arguments: { order_id: 'A1' } }] },
        { role: 'user', parts: [{ type: 'tool_call_response', id: 'toolu_0', response: 'delivered' }] },
      ]);
      expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)).toEqual([
        {
          role: 'assistant',
          parts: [
            { type: 'text', content: 'Let me check.' },
            { type: 'tool_call', id: 'toolu_1', name: 'get_order', arguments: { order_id: 'A1' } },
          ],
          finish_reason: 'tool_use',
        },
      ]);
    });

    it('rebuilds a streamed message (stream: true) from its events', async () => {
      const { anthropic } = client([streamReply], { captureContent: true });
      const stream = await anthropic.messages.create({ ...params, stream: true });
      const types: string[] = [];
      for await (const event of stream) types.push(event.type);
      expect(types).toHaveLength(11);
      const span = await sdk.byName(`chat ${MODEL}`);
      expect(span.attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 9, 'gen_ai.response.finish_reasons': ['end_turn'] });
      expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)[0].parts).toEqual([
        { type: 'text', content: 'Refund approved.' },
        { type: 'tool_call', id: 'toolu_2', name: 'notify', arguments: { to: 'ops' } },
      ]);
    });

    it('covers messages.stream(), the helper built on create, under the current run', async () => {
      const { anthropic } = client([streamReply]);
      const final = await runAgent('refunds', async () => anthropic.messages.stream(params).finalMessage());
      expect(final.content[0]).toMatchObject({ type: 'text', text: 'Refund approved.' });
      const spans = await sdk.spans();
      expect(spans.map((s) => s.name)).toEqual([`chat ${MODEL}`, 'invoke_agent refunds']);
      expect(spans[0].parentSpanContext?.spanId).toBe(spans[1].spanContext().spanId);
      expect(spans[0].attributes['gen_ai.usage.output_tokens']).toBe(9);
    });

    it('marks an API error and rethrows it', async () => {
      const { anthropic } = client([{ error: 'rate limited', status: 429 }]);
      await expect(anthropic.messages.create(params)).rejects.toThrow(/rate limited/);
      const span = await sdk.byName(`chat ${MODEL}`);
      expect(span.status.code).toBe(2);
      expect(span.attributes['error.type']).toBe('429');
    });
  });
});

describe('the Anthropic SDK’s own tracing', () => {
  it('emits its own span when the client is not instrumented, which is why instrumentAnthropic switches it off', async () => {
    const fake = fakeFetch([{ json: message }]);
    const plain = new Anthropic({ apiKey: 'sk-ant-test', baseURL: 'http://claude.test', fetch: fake.fetch, maxRetries: 0 });
    await plain.messages.create(params);
    const names = (await sdk.spans()).map((s) => s.name);
    expect(names).toEqual(['anthropic.messages.create']);
  });
});
