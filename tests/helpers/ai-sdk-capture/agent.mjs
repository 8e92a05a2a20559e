// A small support agent on the Vercel AI SDK 7 (`ai` + `@ai-sdk/otel`), exported over OTLP/HTTP as
// any user's would be: run as a child process by tests/e2e/vercel-ai.e2e.test.ts, which also makes
// tests/fixtures/otlp/vercel-ai{,-legacy}/ from it (UPDATE_FIXTURES=1).
// The models are the SDK's own mocks (ai/test): scripted answers, no network.
// env:
//   MODE      current (registerTelemetry(new OpenTelemetry()), GenAI conventions) | legacy (new LegacyOpenTelemetry(), the ai.* spans of ai 5/6)
//   OTLP_URL  the traces endpoint (…/v1/traces); OTLP_KEY its bearer key (optional)
//   PROTOCOL  proto (http/protobuf, the OTLP default) | json (http/json, what the fixtures hold)
//   AGENT_ID  the resource's gen_ai.agent.id (default agt_support_01)
// Each scenario is flushed on its own (one OTLP request each). Prints, as JSON, each scenario's trace id.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LegacyOpenTelemetry, OpenTelemetry } from '@ai-sdk/otel';
import { APICallError, embed, generateText, registerTelemetry, stepCountIs, streamText, tool } from 'ai';
import { MockEmbeddingModelV4, MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';

const mode = process.env.MODE ?? 'current';
if (mode !== 'current' && mode !== 'legacy') throw new Error(`MODE must be current or legacy, not ${mode}`);
const protocol = process.env.PROTOCOL ?? 'proto';
const { OTLPTraceExporter } = await import(protocol === 'json' ? '@opentelemetry/exporter-trace-otlp-http' : '@opentelemetry/exporter-trace-otlp-proto');
const headers = process.env.OTLP_KEY ? { Authorization: `Bearer ${process.env.OTLP_KEY}` } : {};

// Which trace each scenario made: the root span's trace id, as the SDK started it.
const traces = {};
let scenario = '';
const traceIds = {
  onStart(span) {
    if (!span.parentSpanContext) (traces[scenario] ??= []).push(span.spanContext().traceId);
  },
  onEnd() {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new OTLPTraceExporter({ url: process.env.OTLP_URL, headers });
// A refused export must fail the run, not only log: the test waits for what it sent.
const send = exporter.export.bind(exporter);
exporter.export = (spans, done) =>
  send(spans, (result) => {
    if (result.code !== 0) {
      console.error(`OTLP export failed: ${result.error?.message ?? result.code}`);
      process.exitCode = 1;
    }
    done(result);
  });
const processor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 });
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'support-agent', 'service.version': '2.3.1', 'gen_ai.agent.id': process.env.AGENT_ID ?? 'agt_support_01' }),
  spanProcessors: [traceIds, processor],
});
trace.setGlobalTracerProvider(provider);
// The one line of setup the instrumentation README shows.
registerTelemetry(mode === 'legacy' ? new LegacyOpenTelemetry() : new OpenTelemetry());

async function run(name, body) {
  scenario = name;
  await body();
  await processor.forceFlush();
}

const usage = (input, output, reasoning = 0, cacheRead = 0) => ({
  inputTokens: { total: input, noCache: input - cacheRead, cacheRead, cacheWrite: 0 },
  outputTokens: { total: output, text: output - reasoning, reasoning },
});
const stop = { unified: 'stop', raw: 'stop' };

// 1. A tool loop: the model asks for lookup_order, the SDK runs it, the model answers.
await run('toolLoop', async () => {
  const agentModel = new MockLanguageModelV4({
    provider: 'openai.chat',
    modelId: 'gpt-4o-mini',
    doGenerate: [
      {
        content: [{ type: 'tool-call', toolCallId: 'call_7f3a', toolName: 'lookup_order', input: JSON.stringify({ customer_id: 'C-1042', include_history: true }) }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage: usage(57, 18, 0, 0),
        response: { id: 'chatcmpl-v7-1', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date('2026-12-07T10:00:00Z') },
        warnings: [],
      },
      {
        content: [{ type: 'text', text: 'Order O-88231 shipped on 2026-11-20 and arrives tomorrow.' }],
        finishReason: stop,
        usage: usage(112, 24, 0, 64),
        response: { id: 'chatcmpl-v7-2', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date('2026-12-07T10:00:01Z') },
        warnings: [],
      },
    ],
  });
  const lookupOrder = tool({
    description: 'Look up a customer order',
    inputSchema: z.object({ customer_id: z.string(), include_history: z.boolean() }),
    execute: async ({ customer_id }) => ({ order_id: 'O-88231', customer_id, status: 'shipped', eta: '2026-12-08' }),
  });
  await generateText({
    model: agentModel,
    system: 'You are a support agent.',
    prompt: 'Where is my order? I am customer C-1042.',
    tools: { lookup_order: lookupOrder },
    stopWhen: stepCountIs(3),
    temperature: 0.2,
    telemetry: { functionId: 'support-agent' },
  });
});

// 2. A streamed answer from a reasoning model.
await run('stream', async () => {
  const streamModel = new MockLanguageModelV4({
    provider: 'openai.responses',
    modelId: 'o4-mini',
    doStream: {
      stream: new ReadableStream({
        start(c) {
          for (const part of [
            { type: 'stream-start', warnings: [] },
            { type: 'response-metadata', id: 'resp_v7_3', modelId: 'o4-mini-2025-04-16', timestamp: new Date('2026-12-07T10:00:02Z') },
            { type: 'text-start', id: 't1' },
            { type: 'text-delta', id: 't1', delta: 'Your refund ' },
            { type: 'text-delta', id: 't1', delta: 'was approved.' },
            { type: 'text-end', id: 't1' },
            { type: 'finish', finishReason: stop, usage: usage(41, 90, 64) },
          ])
            c.enqueue(part);
          c.close();
        },
      }),
    },
  });
  const streamed = streamText({ model: streamModel, prompt: 'Was my refund approved?', telemetry: { functionId: 'refund-check' } });
  for await (const _ of streamed.textStream) {
    /* read it all */
  }
});

// 3. A provider that answers HTTP 500.
await run('failing', async () => {
  const broken = new MockLanguageModelV4({
    provider: 'openai.chat',
    modelId: 'broken-model',
    doGenerate: async () => {
      throw new APICallError({ message: 'The server had an error while processing your request.', url: 'https://api.openai.com/v1/chat/completions', requestBodyValues: {}, statusCode: 500, isRetryable: false });
    },
  });
  const failed = await generateText({ model: broken, prompt: 'Hello?', maxRetries: 0 }).then(() => false, (err) => APICallError.isInstance(err));
  if (!failed) throw new Error('the broken model did not fail with an APICallError');
});

// 4. An embedding.
await run('embedding', async () => {
  const embedder = new MockEmbeddingModelV4({
    provider: 'openai.embedding',
    modelId: 'text-embedding-3-small',
    doEmbed: async ({ values }) => ({ embeddings: values.map(() => [0.1, -0.2, 0.3]), usage: { tokens: 7 }, warnings: [] }),
  });
  await embed({ model: embedder, value: 'refund policy' });
});

await provider.shutdown();
const single = Object.fromEntries(
  Object.entries(traces).map(([name, ids]) => {
    if (new Set(ids).size !== 1) throw new Error(`scenario ${name} made ${new Set(ids).size} traces`);
    return [name, ids[0]];
  }),
);
process.stdout.write(`${JSON.stringify(single)}\n`);
