import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../collector/otlp/decoded-span.js';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import type { Attributes, EntryRecord, LedgerEntry } from '../../model/ledger-entry.js';
import { isoFromMicros } from '../../model/time.js';
import { traceMessages } from '../../query-api/traces/transcript.js';
import { makeSpan, normalizeContext } from '../helpers/normalize-spans.js';
import { usdOf } from '../helpers/usd.js';

/** Spans of one trace, one request, started a millisecond apart in the order given, all children of one root. */
function entries(...specs: Array<Attributes | Partial<DecodedSpan>>): LedgerEntry[] {
  const spans = specs.map((spec, i) => {
    const overrides: Partial<DecodedSpan> = 'attributes' in spec || 'events' in spec || 'name' in spec ? (spec as Partial<DecodedSpan>) : { attributes: spec as Attributes };
    const start = 1795458428000000000n + BigInt(i) * 1_000_000n;
    return makeSpan({
      spanId: (i + 1).toString(16).padStart(16, '0'),
      parentSpanId: 'ffffffffffffffff',
      startTimeUnixNano: start,
      endTimeUnixNano: start + 500_000n,
      ...overrides,
    });
  });
  return normalizeRequest(spans, normalizeContext()).map(asLedgerEntry);
}

function asLedgerEntry(r: EntryRecord): LedgerEntry {
  const { cost_nanos, start_us, end_us, is_root: _root, user_id: _user, ...rest } = r;
  return {
    ...rest,
    cost_usd: usdOf(cost_nanos),
    run_status: 'completed',
    timestamp: isoFromMicros(start_us),
    end_timestamp: isoFromMicros(end_us),
  };
}

const chat = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' };

describe('messages from GenAI span events (kept in the entry inputs / outputs by the normaliser)', () => {
  it('reads one event a message, tool calls as JSON and the tool message id, then the choice', () => {
    const ev = (name: string, attributes: Attributes) => ({ name, timeUnixNano: 1n, attributes });
    const got = traceMessages(
      entries({
        attributes: chat,
        events: [
          ev('gen_ai.system.message', { 'gen_ai.system': 'openai', content: 'Be brief.' }),
          ev('gen_ai.user.message', { content: 'Where is C-1042?' }),
          ev('gen_ai.assistant.message', {
            tool_calls: '[{"id":"call_1","type":"function","function":{"name":"lookup_order","arguments":"{\\"customer_id\\":\\"C-1042\\"}"}}]',
          }),
          ev('gen_ai.tool.message', { id: 'call_1', content: 'Shipped on 2026-11-20' }),
          ev('gen_ai.choice', { index: 0, finish_reason: 'stop', message: '{"role":"assistant","content":"It shipped."}' }),
        ],
      }),
    );
    expect(got).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Where is C-1042?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', name: 'lookup_order', args: { customer_id: 'C-1042' } }] },
      { role: 'tool', content: 'Shipped on 2026-11-20', tool_call_id: 'call_1' },
      { role: 'assistant', content: 'It shipped.' },
    ]);
  });

  it('reads the oldest gen_ai.content.prompt / completion events', () => {
    const got = traceMessages(
      entries({
        attributes: chat,
        events: [
          { name: 'gen_ai.content.prompt', timeUnixNano: 1n, attributes: { 'gen_ai.prompt': '[{"role":"user","content":"hi"}]' } },
          { name: 'gen_ai.content.completion', timeUnixNano: 1n, attributes: { 'gen_ai.completion': 'hello' } },
        ],
      }),
    );
    expect(got).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
  });
});

describe('messages from message attributes', () => {
  it('GenAI: system instructions, parts, tool_call and tool_call_response', () => {
    const got = traceMessages(
      entries({
        ...chat,
        'gen_ai.system_instructions': '[{"type":"text","content":"Be brief."}]',
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: 'Where is C-1042?' }] },
          { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'lookup_order', arguments: { customer_id: 'C-1042' } }] },
          { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: { status: 'shipped' } }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          { role: 'assistant', parts: [{ type: 'reasoning', content: 'hm' }, { type: 'text', content: 'It shipped.' }] },
        ]),
      }),
    );
    expect(got).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Where is C-1042?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', name: 'lookup_order', args: { customer_id: 'C-1042' } }] },
      { role: 'tool', content: '{"status":"shipped"}', tool_call_id: 'c1' },
      { role: 'assistant', content: 'It shipped.' },
    ]);
  });

  it('legacy gen_ai.prompt.N / gen_ai.completion.N (older OpenLLMetry), with tool calls and tool_call_id', () => {
    const got = traceMessages(
      entries({
        ...chat,
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': 'Where is C-1042?',
        'gen_ai.prompt.1.role': 'assistant',
        'gen_ai.prompt.1.tool_calls.0.id': 'c1',
        'gen_ai.prompt.1.tool_calls.0.name': 'lookup_order',
        'gen_ai.prompt.1.tool_calls.0.arguments': '{"customer_id":"C-1042"}',
        'gen_ai.prompt.2.role': 'tool',
        'gen_ai.prompt.2.content': 'shipped',
        'gen_ai.prompt.2.tool_call_id': 'c1',
        'gen_ai.completion.0.role': 'assistant',
        'gen_ai.completion.0.content': 'It shipped.',
      }),
    );
    expect(got).toEqual([
      { role: 'user', content: 'Where is C-1042?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', name: 'lookup_order', args: { customer_id: 'C-1042' } }] },
      { role: 'tool', content: 'shipped', tool_call_id: 'c1' },
      { role: 'assistant', content: 'It shipped.' },
    ]);
  });

  it('OpenInference llm.*_messages with contents and tool calls, preferred over a raw input.value', () => {
    const got = traceMessages(
      entries({
        'openinference.span.kind': 'LLM',
        'llm.model_name': 'claude-sonnet-4',
        'input.value': '{"weird":"provider format"}',
        'llm.input_messages.0.message.role': 'user',
        'llm.input_messages.0.message.contents.0.message_content.type': 'text',
        'llm.input_messages.0.message.contents.0.message_content.text': 'Where is C-1042?',
        'llm.input_messages.0.message.contents.1.message_content.type': 'image',
        'llm.input_messages.0.message.contents.1.message_content.image.image.url': 'https://x/y.png',
        'llm.output_messages.0.message.role': 'assistant',
        'llm.output_messages.0.message.content': 'Checking.',
        'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'toolu_1',
        'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'lookup_order',
        'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': 'not json',
      }),
    );
    expect(got).toEqual([
      { role: 'user', content: 'Where is C-1042?' },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', name: 'lookup_order', args: 'not json' }] },
    ]);
  });

  it('Anthropic request and response bodies (input.value / output.value): system, tool_use, tool_result', () => {
    const got = traceMessages(
      entries({
        'openinference.span.kind': 'LLM',
        'input.value': JSON.stringify({
          model: 'claude-sonnet-4',
          system: [{ type: 'text', text: 'Be brief.' }],
          messages: [
            { role: 'user', content: 'Where is C-1042?' },
            { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'lookup_order', input: { customer_id: 'C-1042' } }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'shipped' }] }] },
          ],
        }),
        'output.value': JSON.stringify({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'It shipped.' }] }),
      }),
    );
    expect(got).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Where is C-1042?' },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', name: 'lookup_order', args: { customer_id: 'C-1042' } }] },
      { role: 'tool', content: 'shipped', tool_call_id: 'toolu_1' },
      { role: 'assistant', content: 'It shipped.' },
    ]);
  });

  it('Vercel AI SDK provider calls: tool-call / tool-result parts, ai.response.text and toolCalls', () => {
    const got = traceMessages(
      entries(
        {
          'ai.operationId': 'ai.generateText.doGenerate',
          'ai.model.id': 'gpt-4o-mini',
          'ai.prompt.messages': JSON.stringify([
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: [{ type: 'text', text: 'Where is C-1042?' }] },
          ]),
          'ai.response.toolCalls': '[{"toolCallType":"function","toolCallId":"c1","toolName":"lookup_order","args":"{\\"customer_id\\":\\"C-1042\\"}"}]',
        },
        {
          'ai.operationId': 'ai.generateText.doGenerate',
          'ai.model.id': 'gpt-4o-mini',
          'ai.prompt.messages': JSON.stringify([
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: [{ type: 'text', text: 'Where is C-1042?' }] },
            { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'lookup_order', input: { customer_id: 'C-1042' } }] },
            { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'lookup_order', output: { type: 'json', value: { status: 'shipped' } } }] },
          ]),
          'ai.response.text': 'It shipped.',
        },
      ),
    );
    expect(got).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Where is C-1042?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', name: 'lookup_order', args: { customer_id: 'C-1042' } }] },
      { role: 'tool', content: '{"status":"shipped"}', tool_call_id: 'c1' },
      { role: 'assistant', content: 'It shipped.' },
    ]);
  });

  it('reads message attributes even when ledger.inputs / ledger.outputs took the entry payloads', () => {
    const got = traceMessages(
      entries({
        ...chat,
        'ledger.inputs': '{"ticket":"T-1"}',
        'ledger.outputs': '{"resolved":true}',
        'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
        'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"hello"}]}]',
      }),
    );
    expect(got).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ]);
  });

  it('maps other frameworks\u2019 role names onto the seed\u2019s four', () => {
    const got = traceMessages(
      entries({
        ...chat,
        'gen_ai.input.messages': '[{"role":"developer","content":"Be brief."},{"role":"human","content":"hi"}]',
        'gen_ai.output.messages': '[{"role":"model","content":"hello"}]',
      }),
    );
    expect(got.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
  });
});

describe('assembling one transcript from many spans', () => {
  const input = (...messages: unknown[]) => ({ ...chat, 'gen_ai.input.messages': JSON.stringify(messages) });
  const output = (...messages: unknown[]) => ({ 'gen_ai.output.messages': JSON.stringify(messages) });
  const user = (content: string) => ({ role: 'user', content });
  const assistant = (content: string) => ({ role: 'assistant', content });
  const callC1 = { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c1', function: { name: 'lookup_order', arguments: '{"customer_id":"C-1042"}' } }] };

  it('does not repeat a tool call and result that a tool span showed first', () => {
    const got = traceMessages(
      entries(
        { ...input(user('Where is C-1042?')) },
        {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'lookup_order',
          'gen_ai.tool.call.id': 'c1',
          'gen_ai.tool.call.arguments': '{"customer_id":"C-1042"}',
          'gen_ai.tool.call.result': 'shipped',
        },
        { ...input(user('Where is C-1042?'), callC1, { role: 'tool', tool_call_id: 'c1', content: 'shipped' }), ...output(assistant('It shipped.')) },
      ),
    );
    expect(got).toEqual([
      { role: 'user', content: 'Where is C-1042?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', name: 'lookup_order', args: { customer_id: 'C-1042' } }] },
      { role: 'tool', content: 'shipped', tool_call_id: 'c1' },
      { role: 'assistant', content: 'It shipped.' },
    ]);
  });

  it('keeps two interleaved conversations, each resent history skipped', () => {
    const got = traceMessages(
      entries(
        { ...input(user('A1')), ...output(assistant('a1')) },
        { ...input(user('B1')), ...output(assistant('b1')) },
        { ...input(user('A1'), assistant('a1'), user('A2')), ...output(assistant('a2')) },
      ),
    );
    expect(got.map((m) => m.content)).toEqual(['A1', 'a1', 'B1', 'b1', 'A2', 'a2']);
  });

  it('keeps a message said twice when it is new the second time', () => {
    const got = traceMessages(
      entries(
        { ...input(user('yes')), ...output(assistant('ok')) },
        { ...input(user('yes'), assistant('ok'), user('yes')), ...output(assistant('done')) },
      ),
    );
    expect(got.map((m) => m.content)).toEqual(['yes', 'ok', 'yes', 'done']);
  });

  it('leaves embeddings, failed calls\u2019 error payloads and non-model spans out', () => {
    const got = traceMessages(
      entries(
        { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'text-embedding-3-small', 'ledger.inputs': '["some text"]' },
        { attributes: { ...chat, 'gen_ai.request.model': 'broken-model' }, status: { code: 2, message: '500 upstream' } },
        { 'gen_ai.operation.name': 'invoke_agent', 'ledger.inputs': '{"question":"Where?"}' },
      ),
    );
    expect(got).toEqual([]);
  });

  it('shows a failed tool call with its error as the result', () => {
    const got = traceMessages(
      entries({
        attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup_order', 'gen_ai.tool.call.id': 'c9' },
        status: { code: 2, message: 'order service down' },
      }),
    );
    expect(got[1]).toEqual({ role: 'tool', content: 'order service down', tool_call_id: 'c9' });
  });
});
