import OpenAI from 'openai';
import OpenAIv5 from 'openai-v5';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAPTURE_CONTENT_ENV, instrumentOpenAI, runAgent } from '../src/index.js';
import { fakeFetch, type Reply } from './helpers/fake-fetch.js';
import { memorySdk } from './helpers/memory-sdk.js';

const sdk = memorySdk({ agentId: 'openai-test-agent' });

// The oldest and the newest major the peer range allows; every test runs on both.
// The v5 client is typed as the current one: the calls below are valid on both.
const SDKS = [
  { label: 'openai 5.0 (oldest supported)', Client: OpenAIv5 as unknown as typeof OpenAI },
  { label: 'openai 7 (current)', Client: OpenAI },
];

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_order', arguments: '{"order_id":"A1"}' } }] },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 120, completion_tokens: 18, total_tokens: 138, prompt_tokens_details: { cached_tokens: 100 } },
};

const messages = [
  { role: 'system' as const, content: 'You are a support agent.' },
  { role: 'user' as const, content: 'Where is order A1?' },
];

function chunk(delta: object, extra: object = {}) {
  return { data: { id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta, finish_reason: null }], ...extra } };
}

const streamReply: Reply = {
  sse: [
    chunk({ role: 'assistant', content: '' }),
    chunk({ content: 'It ships ' }),
    chunk({ content: 'tomorrow.' }),
    { data: { id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] } },
    { data: { id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini-2024-07-18', choices: [], usage: { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 } } },
    { data: '[DONE]' },
  ],
};

beforeEach(() => sdk.reset());
afterEach(() => {
  delete process.env[CAPTURE_CONTENT_ENV];
});

describe.each(SDKS)('$label', ({ Client }) => {
  function client(replies: Reply[], options: Parameters<typeof instrumentOpenAI>[1] = {}) {
    const fake = fakeFetch(replies);
    const c = new Client({ apiKey: 'sk-test', baseURL: 'http://llm.test:8123/v1', fetch: fake.fetch, maxRetries: 0 });
    return { openai: instrumentOpenAI(c, options), fake };
  }

  describe('instrumentOpenAI: chat.completions.create', () => {
    it('records a chat span with model, provider, usage and finish reasons, and no content by default', async () => {
      const { openai } = client([{ json: completion }]);
      const result = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, temperature: 0.2, max_tokens: 300 });
      expect(result.choices[0].message.tool_calls?.[0].id).toBe('call_1');
      const span = await sdk.byName('chat gpt-4o-mini');
      expect(span.kind).toBe(2); // CLIENT
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.max_tokens': 300,
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.id': 'chatcmpl-1',
        'gen_ai.response.finish_reasons': ['tool_calls'],
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 18,
        'gen_ai.usage.cache_read.input_tokens': 100,
        'gen_ai.agent.id': 'openai-test-agent',
        'server.address': 'llm.test',
        'server.port': 8123,
      });
      expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
      expect(span.attributes['gen_ai.output.messages']).toBeUndefined();
      expect(span.status.code).toBe(0);
    });

    it('records messages in the semantic-convention shape when content capture is on', async () => {
      const { openai } = client([{ json: completion }], { captureContent: true });
      await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [...messages, { role: 'assistant', content: null, tool_calls: [{ id: 'c0', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } }] }, { role: 'tool', tool_call_id: 'c0', content: '{"ok":true}' }],
        tools: [{ type: 'function', function: { name: 'get_order', parameters: { type: 'object' } } }],
      });
      const span = await sdk.byName('chat gpt-4o-mini');
      expect(JSON.parse(span.attributes['gen_ai.input.messages'] as string)).toEqual([
        { role: 'system', parts: [{ type: 'text', content: 'You are a support agent.' }] },
        { role: 'user', parts: [{ type: 'text', content: 'Where is order A1?' }] },
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'c0', name: 'lookup', arguments: { q: 1 } }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c0', response: '{"ok":true}' }] },
      ]);
      expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)).toEqual([
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_order', arguments: { order_id: 'A1' } }], finish_reason: 'tool_calls' },
      ]);
      expect(JSON.parse(span.attributes['gen_ai.tool.definitions'] as string)[0].function.name).toBe('get_order');
    });

    it('turns content capture on with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true', async () => {
      process.env[CAPTURE_CONTENT_ENV] = 'true';
      const { openai } = client([{ json: completion }]);
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
      expect((await sdk.byName('chat gpt-4o-mini')).attributes['gen_ai.input.messages']).toBeDefined();
    });

    it('accumulates a stream into the span and hands every chunk to the caller', async () => {
      const { openai } = client([streamReply], { captureContent: true });
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } });
      expect(await sdk.spans()).toHaveLength(0); // still open while the stream is read
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      expect(text).toBe('It ships tomorrow.');
      const span = await sdk.byName('chat gpt-4o-mini');
      expect(span.attributes).toMatchObject({
        'gen_ai.response.id': 'chatcmpl-2',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 40,
        'gen_ai.usage.output_tokens': 5,
      });
      expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)).toEqual([
        { role: 'assistant', parts: [{ type: 'text', content: 'It ships tomorrow.' }], finish_reason: 'stop' },
      ]);
    });

    it('ends the span with what arrived when the caller stops reading early', async () => {
      const { openai } = client([streamReply]);
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
      for await (const c of stream) if (c.choices[0]?.delta.content === 'It ships ') break;
      const span = await sdk.byName('chat gpt-4o-mini');
      expect(span.attributes['gen_ai.response.id']).toBe('chatcmpl-2');
      expect(span.status.code).toBe(0);
    });

    it('supports the SDK helpers built on create: chat.completions.stream() and withResponse()', async () => {
      const { openai } = client([streamReply, { json: completion }]);
      const runner = openai.chat.completions.stream({ model: 'gpt-4o-mini', messages, stream_options: { include_usage: true } });
      const final = await runner.finalChatCompletion();
      expect(final.choices[0].message.content).toBe('It ships tomorrow.');
      const { data, response } = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
      expect(data.id).toBe('chatcmpl-1');
      expect(response.headers.get('x-request-id')).toBe('req_2');
      expect((await sdk.spans()).map((s) => s.attributes['gen_ai.response.id'])).toEqual(['chatcmpl-2', 'chatcmpl-1']);
    });

    it('marks an API error on the span and rethrows it', async () => {
      const { openai } = client([{ error: 'overloaded', status: 500 }]);
      await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toThrow(/overloaded/);
      const span = await sdk.byName('chat gpt-4o-mini');
      expect(span.status).toMatchObject({ code: 2 });
      expect(span.status.message).toMatch(/overloaded/);
      expect(span.attributes['error.type']).toBe('500');
      expect(span.events.map((e) => e.name)).toContain('exception');
    });

    it('nests calls under the current run and instruments a client only once', async () => {
      const { openai } = client([{ json: completion }]);
      instrumentOpenAI(openai);
      await runAgent('support', () => openai.chat.completions.create({ model: 'gpt-4o-mini', messages }), { agentId: 'agent-7' });
      const chat = await sdk.byName('chat gpt-4o-mini');
      const root = await sdk.byName('invoke_agent support');
      expect(chat.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(chat.attributes['gen_ai.agent.id']).toBe('agent-7');
    });

    it('can state a cost per call', async () => {
      const { openai } = client([{ json: completion }], { costUsd: ({ model, usage }) => (model?.startsWith('gpt-4o-mini') ? (usage.inputTokens ?? 0) * 1e-6 : undefined) });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
      expect((await sdk.byName('chat gpt-4o-mini')).attributes['ledger.cost_usd']).toBeCloseTo(0.00012, 10);
    });
  });

  describe('instrumentOpenAI: newer GenAI attributes and content modes', () => {
    it('records a stream as gen_ai.request.stream with the time to its first chunk', async () => {
      const { openai } = client([streamReply, { json: completion }]);
      const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true });
      for await (const _c of stream) {
        /* read to the end */
      }
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
      const [streamed, plain] = await sdk.spans();
      expect(streamed.attributes['gen_ai.request.stream']).toBe(true);
      const ttfc = streamed.attributes['gen_ai.response.time_to_first_chunk'] as number;
      const durationS = streamed.duration[0] + streamed.duration[1] / 1e9;
      expect(ttfc).toBeGreaterThanOrEqual(0);
      expect(ttfc).toBeLessThanOrEqual(durationS);
      expect(plain.attributes['gen_ai.request.stream']).toBeUndefined();
      expect(plain.attributes['gen_ai.response.time_to_first_chunk']).toBeUndefined();
    });

    it('records reasoning tokens (part of the output tokens) from chat completions and responses', async () => {
      const reasoned = { ...completion, usage: { ...completion.usage, completion_tokens_details: { reasoning_tokens: 12 } } };
      const response = {
        id: 'resp_r', object: 'response', created_at: 1, model: 'o4-mini', status: 'completed', output: [],
        usage: { input_tokens: 9, output_tokens: 40, total_tokens: 49, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 32 } },
      };
      const { openai } = client([{ json: reasoned }, { json: response }]);
      await openai.chat.completions.create({ model: 'o4-mini', messages });
      await openai.responses.create({ model: 'o4-mini', input: 'think' });
      const spans = await sdk.spans();
      expect(spans.map((s) => [s.attributes['gen_ai.usage.output_tokens'], s.attributes['gen_ai.usage.reasoning.output_tokens']])).toEqual([[18, 12], [40, 32]]);
    });

    it('records embeddings.create as an embeddings span with its input tokens', async () => {
      const { openai } = client([{ json: { object: 'list', model: 'text-embedding-3-small', data: [{ object: 'embedding', index: 0, embedding: [0.1, -0.2] }], usage: { prompt_tokens: 7, total_tokens: 7 } } }]);
      const result = await runAgent('embedder', () => openai.embeddings.create({ model: 'text-embedding-3-small', input: 'refund policy', dimensions: 2, encoding_format: 'float' }));
      expect(result.data[0].embedding).toEqual([0.1, -0.2]);
      const span = await sdk.byName('embeddings text-embedding-3-small');
      expect(span.kind).toBe(2);
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'text-embedding-3-small',
        'gen_ai.response.model': 'text-embedding-3-small',
        'gen_ai.usage.input_tokens': 7,
        'gen_ai.embeddings.dimension.count': 2,
        'gen_ai.request.encoding_formats': ['float'],
      });
      expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
      expect(span.parentSpanContext?.spanId).toBe((await sdk.byName('invoke_agent embedder')).spanContext().spanId);
    });

    it('puts content on a gen_ai.client.inference.operation.details event, not the span, with event_only', async () => {
      const { openai } = client([{ json: completion }], { captureContent: 'event_only' });
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
      const span = await sdk.byName('chat gpt-4o-mini');
      expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
      expect(span.attributes['gen_ai.output.messages']).toBeUndefined();
      const events = span.events.filter((e) => e.name === 'gen_ai.client.inference.operation.details');
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0].attributes?.['gen_ai.input.messages'] as string)[1]).toEqual({ role: 'user', parts: [{ type: 'text', content: 'Where is order A1?' }] });
      expect(JSON.parse(events[0].attributes?.['gen_ai.output.messages'] as string)[0].parts[0]).toMatchObject({ type: 'tool_call', name: 'get_order' });
    });

    it('reads the semantic conventions\' capture values from the variable, in any case', async () => {
      const { openai } = client([{ json: completion }, { json: completion }, { json: completion }, { json: completion }]);
      const capture = async (value: string) => {
        process.env[CAPTURE_CONTENT_ENV] = value;
        sdk.reset();
        await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
        const span = await sdk.byName('chat gpt-4o-mini');
        return { span: span.attributes['gen_ai.input.messages'] !== undefined, event: span.events.some((e) => e.name === 'gen_ai.client.inference.operation.details') };
      };
      expect(await capture('SPAN_AND_EVENT')).toEqual({ span: true, event: true });
      expect(await capture('span_only')).toEqual({ span: true, event: false });
      expect(await capture('NO_CONTENT')).toEqual({ span: false, event: false });
      // A value it cannot read captures nothing rather than guessing.
      expect(await capture('yes please')).toEqual({ span: false, event: false });
    });

    it('keeps the input on the event when the call fails', async () => {
      const { openai } = client([{ error: 'overloaded', status: 500 }], { captureContent: 'event_only' });
      await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages })).rejects.toThrow();
      const span = await sdk.byName('chat gpt-4o-mini');
      const event = span.events.find((e) => e.name === 'gen_ai.client.inference.operation.details');
      expect(JSON.parse(event?.attributes?.['gen_ai.input.messages'] as string)).toHaveLength(2);
    });
  });

  describe('instrumentOpenAI: responses.create', () => {
    const response = {
      id: 'resp_1',
      object: 'response',
      created_at: 1,
      model: 'gpt-4.1-mini-2025-04-14',
      status: 'completed',
      output: [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Done.', annotations: [] }] }],
      usage: { input_tokens: 30, output_tokens: 2, total_tokens: 32, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    };

    it('records a response, streamed or not', async () => {
      const { openai } = client(
        [
          { json: response },
          {
            sse: [
              { event: 'response.created', data: { type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress', output: [], usage: null } } },
              { event: 'response.output_text.delta', data: { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Done.' } },
              { event: 'response.completed', data: { type: 'response.completed', sequence_number: 2, response } },
            ],
          },
        ],
        { captureContent: true },
      );
      const r = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Close ticket 7', instructions: 'Be brief.' });
      expect(r.output_text).toBe('Done.');
      const stream = await openai.responses.create({ model: 'gpt-4.1-mini', input: 'Close ticket 7', stream: true });
      for await (const _event of stream) {
        /* read to the end */
      }
      const spans = await sdk.spans();
      expect(spans.map((s) => s.name)).toEqual(['chat gpt-4.1-mini', 'chat gpt-4.1-mini']);
      for (const span of spans) {
        expect(span.attributes).toMatchObject({
          'gen_ai.provider.name': 'openai',
          'gen_ai.response.model': 'gpt-4.1-mini-2025-04-14',
          'gen_ai.usage.input_tokens': 30,
          'gen_ai.usage.output_tokens': 2,
          'gen_ai.response.finish_reasons': ['stop'],
        });
        expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)[0].parts).toEqual([{ type: 'text', content: 'Done.' }]);
      }
      expect(JSON.parse(spans[0].attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Be brief.' }]);
    });
  });
});
