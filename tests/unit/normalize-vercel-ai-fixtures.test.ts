import { describe, expect, it } from 'vitest';
import { createPricing } from '../../collector/pricing/pricing.js';
import type { RunSummary } from '../../exporters/store.js';
import type { EntryRecord, LedgerEntry } from '../../model/ledger-entry.js';
import { isoFromMicros } from '../../model/time.js';
import { traceMetadata } from '../../query-api/traces/trace-metadata.js';
import { bundledPriceNanos, normalizeFixtureFiles } from '../helpers/normalize-spans.js';

// Real exports of ai@7 + @ai-sdk/otel against the SDK's mock models (tests/fixtures/otlp/README.md),
// made by tests/helpers/ai-sdk-capture/agent.mjs (UPDATE_FIXTURES=1 npx vitest run tests/e2e/vercel-ai.e2e.test.ts).
// Entries are found by what they are, never by span id: a regenerated capture has new ids.
const pricing = createPricing({});
const price = (model: string, inputTokens: number, outputTokens: number, cacheReadTokens = 0) =>
  pricing.priceNanos({ model, provider: 'openai', inputTokens, outputTokens, cacheReadTokens, at: new Date('2026-12-07T10:00:00Z') });

/** The one entry that matches. */
function only(entries: EntryRecord[], what: string, match: (e: EntryRecord) => boolean): EntryRecord {
  const found = entries.filter(match);
  if (found.length !== 1) throw new Error(`${found.length} entries are ${what}`);
  return found[0];
}
const named = (name: string) => (e: EntryRecord) => e.name === name;
const byStart = (a: EntryRecord, b: EntryRecord) => a.start_us - b.start_us;

describe('Vercel AI SDK 7, registerTelemetry(new OpenTelemetry()): GenAI conventions', () => {
  const entries = normalizeFixtureFiles('vercel-ai');

  it('maps the tool loop: one agent run, two priced chat calls, a tool call with its arguments and result', () => {
    const root = only(entries, 'the tool loop\'s agent', named('invoke_agent gpt-4o-mini'));
    const loop = entries.filter((e) => e.trace_id === root.trace_id);
    expect(root).toMatchObject({ kind: 'agent', is_root: true, name: 'invoke_agent gpt-4o-mini', agent_id: 'agt_support_01', service_name: 'support-agent', outcome: 'success' });
    // The agent span repeats its calls' usage: only the model calls are priced.
    expect(root.cost_nanos).toBe(0);
    const [first, second] = loop.filter(named('chat gpt-4o-mini')).sort(byStart);
    expect(first).toMatchObject({ kind: 'llm', name: 'chat gpt-4o-mini', model: 'gpt-4o-mini-2024-07-18', provider: 'openai', input_tokens: 57, output_tokens: 18, total_tokens: 75 });
    expect(first.cost_nanos).toBe(bundledPriceNanos('gpt-4o-mini-2024-07-18', 57, 18));
    expect(first.cost_nanos).toBeGreaterThan(0);
    expect((first.outputs as any).messages[0].parts[0]).toEqual({ type: 'tool_call', id: 'call_7f3a', name: 'lookup_order', arguments: { customer_id: 'C-1042', include_history: true } });
    expect((first.inputs as any).system_instructions).toEqual([{ type: 'text', content: 'You are a support agent.' }]);
    expect(second).toMatchObject({ input_tokens: 112, output_tokens: 24 });
    // 64 of the 112 input tokens were read from the cache, at the cached price.
    expect(second.cost_nanos).toBe(price('gpt-4o-mini-2024-07-18', 112, 24, 64));
    expect(second.cost_nanos).toBeLessThan(bundledPriceNanos('gpt-4o-mini-2024-07-18', 112, 24)!);
    const toolCall = only(loop, 'the tool call', (e) => e.kind === 'tool');
    expect(toolCall).toMatchObject({ kind: 'tool', name: 'lookup_order', cost_nanos: 0, model: null, outcome: 'success' });
    expect(toolCall.inputs).toEqual({ customer_id: 'C-1042', include_history: true });
    expect(toolCall.outputs).toEqual({ order_id: 'O-88231', customer_id: 'C-1042', status: 'shipped', eta: '2026-12-08' });
    for (const step of ['step 1', 'step 2']) expect(only(loop, step, named(step))).toMatchObject({ kind: 'chain', cost_nanos: 0, parent_span_id: root.span_id });
  });

  it('prices the streamed reasoning-model call by its response model', () => {
    const e = only(entries, 'the streamed call', named('chat o4-mini'));
    expect(e).toMatchObject({ kind: 'llm', model: 'o4-mini-2025-04-16', input_tokens: 41, output_tokens: 90 });
    expect(e.cost_nanos).toBe(price('o4-mini-2025-04-16', 41, 90) ?? price('o4-mini', 41, 90));
    expect(e.cost_nanos).toBeGreaterThan(0);
    expect((e.outputs as any).messages[0].parts[0].content).toBe('Your refund was approved.');
  });

  it('records the provider\'s HTTP 500 as a failed call and a failed run, priced at nothing', () => {
    const call = only(entries, 'the failed call', named('chat broken-model'));
    expect(call).toMatchObject({ kind: 'llm', outcome: 'error', model: 'broken-model', cost_nanos: 0 });
    expect(call.status_message).toBe('The server had an error while processing your request.');
    expect(call.outputs).toEqual({ error: 'The server had an error while processing your request.' });
    expect(only(entries, 'the failed run\'s agent', named('invoke_agent broken-model'))).toMatchObject({ is_root: true, outcome: 'error' });
  });

  it('prices the embedding call once: the inner call that reports usage, not the wrapper', () => {
    const inner = only(entries, 'the inner embeddings call', (e) => e.name === 'embeddings text-embedding-3-small' && !e.is_root);
    expect(inner).toMatchObject({ kind: 'llm', model: 'text-embedding-3-small', input_tokens: 7 });
    expect(inner.cost_nanos).toBe(bundledPriceNanos('text-embedding-3-small', 7, 0));
    expect(inner.cost_nanos).toBeGreaterThan(0);
    expect(only(entries, 'the embeddings wrapper', (e) => e.name === 'embeddings text-embedding-3-small' && e.is_root)).toMatchObject({ kind: 'llm', cost_nanos: 0, input_tokens: null });
  });
});

describe('Vercel AI SDK 7, registerTelemetry(new LegacyOpenTelemetry()): the ai.* spans of ai 5/6', () => {
  const entries = normalizeFixtureFiles('vercel-ai-legacy');
  const byOp = (op: string) => entries.filter((e) => e.attributes['ai.operationId'] === op);

  it('prices each provider call, never the generateText wrapper around them', () => {
    const [first, second] = byOp('ai.generateText.doGenerate').filter((e) => e.model !== 'broken-model').sort((a, b) => a.start_us - b.start_us);
    expect(first).toMatchObject({ kind: 'llm', model: 'gpt-4o-mini-2024-07-18', provider: 'openai.chat', input_tokens: 57, output_tokens: 18 });
    expect(first.cost_nanos).toBe(bundledPriceNanos('gpt-4o-mini-2024-07-18', 57, 18));
    expect(second).toMatchObject({ input_tokens: 112, output_tokens: 24 });
    expect(second.cost_nanos).toBeGreaterThan(0);
    const wrapper = byOp('ai.generateText').find((e) => e.is_root && e.outcome === 'success')!;
    expect(wrapper).toMatchObject({ kind: 'chain', cost_nanos: 0, agent_id: 'agt_support_01' });
    expect(wrapper.outputs).toMatchObject({ text: 'Order O-88231 shipped on 2026-11-20 and arrives tomorrow.', tool_calls: [{ toolCallId: 'call_7f3a', toolName: 'lookup_order' }] });
  });

  it('maps the tool call with its arguments and result', () => {
    const [toolCall] = byOp('ai.toolCall');
    expect(toolCall).toMatchObject({ kind: 'tool', name: 'lookup_order', cost_nanos: 0 });
    expect(toolCall.inputs).toEqual({ customer_id: 'C-1042', include_history: true });
    expect(toolCall.outputs).toMatchObject({ order_id: 'O-88231', status: 'shipped' });
  });

  it('prices the streamed call, and records the failed one as an error', () => {
    const [streamed] = byOp('ai.streamText.doStream');
    expect(streamed).toMatchObject({ kind: 'llm', model: 'o4-mini-2025-04-16', input_tokens: 41, output_tokens: 90, outputs: { text: 'Your refund was approved.' } });
    expect(streamed.cost_nanos).toBeGreaterThan(0);
    const broken = byOp('ai.generateText.doGenerate').find((e) => e.model === 'broken-model')!;
    expect(broken).toMatchObject({ outcome: 'error', cost_nanos: 0, status_message: 'The server had an error while processing your request.' });
  });

  it('prices doEmbed and not the embed wrapper', () => {
    const [call] = byOp('ai.embed.doEmbed');
    expect(call).toMatchObject({ kind: 'llm', model: 'text-embedding-3-small', input_tokens: 7 });
    expect(call.cost_nanos).toBe(bundledPriceNanos('text-embedding-3-small', 7, 0));
    expect(byOp('ai.embed')[0]).toMatchObject({ kind: 'chain', cost_nanos: 0 });
  });
});

describe('the traces API on the AI SDK 7 captures', () => {
  const asLedgerEntries = (entries: EntryRecord[]): LedgerEntry[] =>
    entries.map(({ cost_nanos, start_us, end_us, is_root: _r, user_id: _u, ...rest }) => ({
      ...rest,
      cost_usd: cost_nanos / 1e9,
      run_status: 'completed' as const,
      timestamp: isoFromMicros(start_us),
      end_timestamp: isoFromMicros(end_us),
    }));

  it('shows the streamed call\'s time to first chunk and reasoning tokens, from either span shape', () => {
    for (const [folder, reasoning] of [['vercel-ai', undefined], ['vercel-ai-legacy', 64]] as const) {
      const records = normalizeFixtureFiles(folder).filter((e) => e.trace_id === normalizeFixtureFiles(folder).find((x) => x.model === 'o4-mini-2025-04-16')!.trace_id);
      const entries = asLedgerEntries(records);
      const root = entries.find((e) => e.parent_span_id === null)!;
      const md = traceMetadata({ ...RUN, root_span_id: root.span_id }, root, entries);
      expect(md.time_to_first_chunk, folder).toBeGreaterThan(0);
      expect(md.time_to_first_chunk, folder).toBeLessThan(1);
      // @ai-sdk/otel 1.x does not send reasoning tokens; the legacy spans do.
      expect(md.reasoning_tokens, folder).toBe(reasoning);
    }
  });
});

const RUN: RunSummary = {
  id: 'r', trace_id: 't', status: 'completed', agent_id: 'agt_support_01', user_id: null, name: null, root_span_id: null, prompt_name: null,
  started_at: '', ended_at: '', duration_ms: 0, total_cost_usd: 0, action_count: 3, input_tokens: 0, output_tokens: 0, total_tokens: 0, model_config: null, tags: [],
};
