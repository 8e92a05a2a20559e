import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../collector/otlp/decoded-span.js';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import type { RunSummary } from '../../exporters/store.js';
import type { Attributes, LedgerEntry } from '../../model/ledger-entry.js';
import { modelConfigOf } from '../../model/model-config.js';
import { isoFromMicros } from '../../model/time.js';
import { rootEntryOf } from '../../query-api/traces/root-entry.js';
import { traceToolChoice } from '../../query-api/traces/tool-choice.js';
import { traceTools } from '../../query-api/traces/tool-definitions.js';
import { traceDetailOf } from '../../query-api/traces/trace-detail.js';
import { traceMetadata } from '../../query-api/traces/trace-metadata.js';
import { traceSummaryOf } from '../../query-api/traces/trace-summary.js';
import { makeSpan, normalizeContext } from '../helpers/normalize-spans.js';
import { usdOf } from '../helpers/usd.js';

const ROOT_SPAN = 'ffffffffffffffff';

/** One entry a spec; `root: true` makes it the trace's root (no parent), else a child of the root. */
function entries(...specs: Array<{ attributes?: Attributes; root?: boolean } & Partial<DecodedSpan>>): LedgerEntry[] {
  const spans = specs.map(({ root, ...spec }, i) => {
    const start = 1795458428000000000n + BigInt(i) * 1_000_000n;
    return makeSpan({
      spanId: root ? ROOT_SPAN : (i + 1).toString(16).padStart(16, '0'),
      parentSpanId: root ? null : ROOT_SPAN,
      startTimeUnixNano: start,
      endTimeUnixNano: start + 500_000n,
      ...spec,
    });
  });
  return normalizeRequest(spans, normalizeContext()).map(({ cost_nanos, start_us, end_us, is_root: _r, user_id: _u, ...rest }) => ({
    ...rest,
    cost_usd: usdOf(cost_nanos),
    run_status: 'completed' as const,
    timestamp: isoFromMicros(start_us),
    end_timestamp: isoFromMicros(end_us),
  }));
}

function run(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id: '0af76519-16cd-43dd-8448-eb211c80319c',
    trace_id: '0af7651916cd43dd8448eb211c80319c',
    status: 'completed',
    agent_id: 'agt_1',
    user_id: null,
    name: 'root',
    root_span_id: ROOT_SPAN,
    prompt_name: null,
    started_at: '2026-11-23T18:27:08.137250Z',
    ended_at: '2026-11-23T18:27:09.137250Z',
    duration_ms: 1000,
    total_cost_usd: 0.015,
    action_count: 3,
    input_tokens: 250,
    output_tokens: 1000,
    total_tokens: 1250,
    model_config: { model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', temperature: 0.7 },
    tags: ['production', 'support'],
    ...overrides,
  };
}

const llm = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' };

describe('TraceSummary', () => {
  it('is the seed example, field for field, from a run', () => {
    expect(traceSummaryOf(run({ prompt_name: 'customer_support_agent' }))).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      promptName: 'customer_support_agent',
      status: 'completed',
      tags: ['production', 'support'],
      inputTokens: 250,
      outputTokens: 1000,
      totalTokens: 1250,
      cost: 0.015,
      duration: 1000,
      modelConfig: { model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', temperature: 0.7 },
      createdAt: '2026-11-23T18:27:08.137250Z',
    });
  });

  it('names the trace by its root span without a prompt name, and null before the root arrives', () => {
    expect(traceSummaryOf(run()).promptName).toBe('root');
    expect(traceSummaryOf(run({ name: null, status: 'running' })).promptName).toBeNull();
  });
});

describe('tools', () => {
  it('reads every definition format, first definition of a name wins, extras into metadata', () => {
    const tools = traceTools(
      entries(
        {
          attributes: {
            ...llm,
            'gen_ai.tool.definitions': JSON.stringify([
              { type: 'function', name: 'lookup_order', description: 'Find an order', parameters: { type: 'object' } },
              { type: 'function', function: { name: 'refund', description: 'Refund', parameters: { type: 'object', properties: {} }, strict: true } },
            ]),
          },
        },
        {
          attributes: {
            'openinference.span.kind': 'LLM',
            'llm.tools.0.tool.json_schema': '{"type":"function","function":{"name":"lookup_order","description":"other"}}',
            'input.value': JSON.stringify({
              tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
            }),
          },
        },
        {
          attributes: {
            'ai.operationId': 'ai.generateText.doGenerate',
            'ai.prompt.tools': ['{"type":"function","name":"search","inputSchema":{"type":"object"}}', '{"type":"provider-defined","name":"web_search"}'],
          },
        },
        { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'notify', 'gen_ai.tool.description': 'Send a note' } },
        { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'refund' } },
      ),
    );
    expect(tools).toEqual([
      { name: 'lookup_order', description: 'Find an order', parameters: { type: 'object' }, metadata: {} },
      { name: 'refund', description: 'Refund', parameters: { type: 'object', properties: {} }, metadata: { strict: true } },
      { name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, metadata: { cache_control: { type: 'ephemeral' } } },
      { name: 'search', description: null, parameters: { type: 'object' }, metadata: {} },
      { name: 'web_search', description: null, parameters: null, metadata: { type: 'provider-defined' } },
      { name: 'notify', description: 'Send a note', parameters: null, metadata: {} },
    ]);
  });
});

describe('toolChoice', () => {
  it.each([
    [{ ...llm, 'gen_ai.request.tool_choice': 'required' }, 'required'],
    [{ 'openinference.span.kind': 'LLM', 'llm.invocation_parameters': '{"tool_choice":"auto","temperature":0}' }, 'auto'],
    [{ 'langfuse.observation.type': 'generation', 'langfuse.observation.model.parameters': '{"tool_choice":"none"}' }, 'none'],
    [{ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.prompt.toolChoice': '{"type":"auto"}' }, { type: 'auto' }],
    [
      { 'openinference.span.kind': 'LLM', 'input.value': '{"tool_choice":{"type":"function","function":{"name":"lookup_order"}}}' },
      { type: 'function', function: { name: 'lookup_order' } },
    ],
    [llm, null],
  ] as Array<[Attributes, unknown]>)('%j → %j', (attributes, expected) => {
    expect(traceToolChoice(entries({ attributes }))).toEqual(expected);
  });

  it('is the first model call\u2019s', () => {
    const got = traceToolChoice(
      entries({ attributes: { ...llm, 'gen_ai.request.tool_choice': 'required' } }, { attributes: { ...llm, 'gen_ai.request.tool_choice': 'auto' } }),
    );
    expect(got).toBe('required');
  });
});

describe('metadata', () => {
  it('gathers user metadata and session / conversation / user ids; documented keys win', () => {
    const actions = entries(
      {
        root: true,
        name: 'root',
        attributes: {
          'gen_ai.agent.name': 'Support',
          'langfuse.trace.metadata.customer_id': 'cust_123',
          'langfuse.trace.metadata.session_id': 'user-said-this',
          'langfuse.observation.metadata.tier': 'gold',
          'langfuse.environment': 'production',
        },
      },
      { attributes: { ...llm, 'session.id': 'sess_456', 'gen_ai.conversation.id': 'conv_9', 'user.id': 'u_7' } },
      { attributes: { 'traceloop.association.properties.chat_id': 'chat_1', metadata: '{"experiment":"b"}' } },
    );
    const root = rootEntryOf(run(), actions);
    expect(traceMetadata(run({ user_id: 'u_7' }), root, actions)).toEqual({
      customer_id: 'cust_123',
      session_id: 'sess_456',
      tier: 'gold',
      experiment: 'b',
      chat_id: 'chat_1',
      run_id: run().id,
      agent_id: 'agt_1',
      agent_name: 'Support',
      user_id: 'u_7',
      conversation_id: 'conv_9',
      service_name: 'svc',
      environment: 'production',
      action_count: 3,
    });
  });

  it('names the agent version and sums the model calls\' reasoning tokens, with the first streamed call\'s time to first chunk', () => {
    const actions = entries(
      { root: true, name: 'root', attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'Support', 'gen_ai.agent.version': '2.4.0' } },
      { attributes: { ...llm, 'gen_ai.usage.output_tokens': 50, 'gen_ai.usage.reasoning.output_tokens': 32, 'gen_ai.request.stream': true, 'gen_ai.response.time_to_first_chunk': 0.42 } },
      { attributes: { ...llm, 'gen_ai.usage.reasoning.output_tokens': '8', 'gen_ai.response.time_to_first_chunk': 1.5 } },
      // Not a model call: its numbers are not the model's.
      { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.reasoning.output_tokens': 1000 } },
    );
    const md = traceMetadata(run(), rootEntryOf(run(), actions), actions);
    expect(md).toMatchObject({ agent_name: 'Support', agent_version: '2.4.0', reasoning_tokens: 40, time_to_first_chunk: 0.42 });
    const none = entries({ root: true, name: 'root', attributes: llm });
    const plain = traceMetadata(run(), rootEntryOf(run(), none), none);
    expect(plain).not.toHaveProperty('reasoning_tokens');
    expect(plain).not.toHaveProperty('time_to_first_chunk');
    expect(plain).not.toHaveProperty('agent_version');
  });

  it('shows a streamed call as stream: true in the model configuration', () => {
    const streamed = entries({ root: true, name: 'root', attributes: { ...llm, 'gen_ai.request.stream': true, 'gen_ai.request.temperature': 0 } });
    expect(modelConfigOf(streamed[0])).toMatchObject({ stream: true, temperature: 0 });
  });

  it('says why a failed trace failed', () => {
    const actions = entries({ root: true, name: 'root', status: { code: 2, message: 'budget exceeded' } });
    const md = traceMetadata(run({ status: 'failed' }), rootEntryOf(run(), actions), actions);
    expect(md.status_message).toBe('budget exceeded');
  });
});

describe('root and output', () => {
  it('finds the root by the run\'s root span id, and takes nothing for it before the root arrives', () => {
    const actions = entries({ name: 'root', parentSpanId: 'eeeeeeeeeeeeeeee', flags: 0x300 }, { name: 'step', parentSpanId: ROOT_SPAN });
    expect(rootEntryOf(run({ root_span_id: actions[0].span_id }), actions)?.name).toBe('root');
    expect(rootEntryOf(run({ name: null, root_span_id: null }), actions)).toBeNull();
  });

  it('answers with the root span output messages, or its text value', () => {
    const gen = entries(
      { root: true, name: 'root', attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Done."}]}]' } },
      { attributes: { ...llm, 'gen_ai.output.messages': '[{"role":"assistant","content":"inner"}]' } },
    );
    expect(traceDetailOf({ run: run(), actions: gen }).output).toEqual({ message: 'Done.', success: true });
    const plain = entries({ root: true, name: 'root', attributes: { 'openinference.span.kind': 'AGENT', 'output.value': 'All set.', 'output.mime_type': 'text/plain' } });
    expect(traceDetailOf({ run: run(), actions: plain }).output).toEqual({ message: 'All set.', success: true });
  });

  it('a failed trace answers with its error and is not a success', () => {
    const actions = entries(
      { root: true, name: 'root', status: { code: 2, message: 'budget exceeded' } },
      { attributes: { ...llm, 'gen_ai.output.messages': '[{"role":"assistant","content":"partial"}]' } },
    );
    expect(traceDetailOf({ run: run({ status: 'failed' }), actions }).output).toEqual({ message: 'budget exceeded', success: false });
  });

  it('a running trace (root not arrived) answers with the last assistant text and is not yet a success', () => {
    const actions = entries({ attributes: { ...llm, 'gen_ai.output.messages': '[{"role":"assistant","content":"so far"}]' } });
    const detail = traceDetailOf({ run: run({ status: 'running', name: null }), actions });
    expect(detail.output).toEqual({ message: 'so far', success: false });
    expect(detail.promptName).toBeNull();
  });
});

describe('TraceDetail', () => {
  it('has the seed fields with the run numbers, USD, and createdAt as epoch ms', () => {
    const detail = traceDetailOf({ run: run({ prompt_name: 'customer_support_agent' }), actions: entries({ root: true, name: 'root' }) });
    expect(detail).toMatchObject({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      promptName: 'customer_support_agent',
      messages: [],
      inputTokens: 250,
      outputTokens: 1000,
      totalTokens: 1250,
      cost: 0.015,
      costCurrency: 'USD',
      duration: 1000,
      modelConfig: { model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', temperature: 0.7 },
      tools: [],
      toolChoice: null,
      status: 'completed',
      tags: ['production', 'support'],
      createdAt: '2026-11-23T18:27:08.137250Z',
      timestamp: Date.parse('2026-11-23T18:27:08.137Z'),
    });
    expect(Number.isInteger(detail.timestamp)).toBe(true);
  });
});
