// A small support agent on the Vercel AI SDK 7 (`ai` + `@ai-sdk/otel`), run as a child process by
// tests/e2e/vercel-ai.e2e.test.ts, which also makes tests/fixtures/otlp/vercel-ai{,-legacy}/ from it
// (UPDATE_FIXTURES=1). The models are the SDK's own mocks (ai/test): scripted answers, no network.
// env:
//   MODE   current (registerTelemetry(new OpenTelemetry()), GenAI conventions) | legacy (new LegacyOpenTelemetry(), the ai.* spans of ai 5/6)
//   SETUP  ledger: the instrumentation README's setup, init() then registerTelemetry(), exporting http/protobuf to
//                  OTEL_EXPORTER_OTLP_ENDPOINT with LEDGER_KEY, as agent AGENT_ID;
//          otel:   a plain OpenTelemetry SDK and OTLP/HTTP JSON exporter to OTLP_URL (what the fixtures hold:
//                  only the AI SDK's own attributes, resource service.name support-agent, gen_ai.agent.id agt_support_01)
// Each scenario is flushed on its own: one OTLP request each.
import { LegacyOpenTelemetry, OpenTelemetry } from '@ai-sdk/otel';
import { APICallError, embed, generateText, registerTelemetry, stepCountIs, streamText, tool } from 'ai';
import { MockEmbeddingModelV4, MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';

const mode = process.env.MODE ?? 'current';
if (mode !== 'current' && mode !== 'legacy') throw new Error(`MODE must be current or legacy, not ${mode}`);
const setup = process.env.SETUP ?? 'ledger';
if (setup !== 'ledger' && setup !== 'otel') throw new Error(`SETUP must be ledger or otel, not ${setup}`);
const integration = () => (mode === 'legacy' ? new LegacyOpenTelemetry() : new OpenTelemetry());

/** Sends what the tracer provider holds; resolves once it is exported. */
let flush;
/** Ends the tracer provider. */
let shutdown;
if (setup === 'ledger') {
  const ledger = await import('@agent-ledger/instrumentation');
  // The instrumentation README's two lines, as a user writes them (a refused export warns on stderr).
  ledger.init({ apiKey: process.env.LEDGER_KEY, agentId: process.env.AGENT_ID });
  registerTelemetry(integration());
  ({ flush, shutdown } = ledger);
} else {
  const { context, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.OTLP_URL }), { scheduledDelayMillis: 60_000 });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'support-agent', 'service.version': '2.3.1', 'gen_ai.agent.id': 'agt_support_01' }),
    spanProcessors: [processor],
  });
  trace.setGlobalTracerProvider(provider);
  registerTelemetry(integration());
  flush = () => processor.forceFlush();
  shutdown = () => provider.shutdown();
}

async function run(body) {
  await body();
  await flush();
}

const usage = (input, output, reasoning = 0, cacheRead = 0) => ({
  inputTokens: { total: input, noCache: input - cacheRead, cacheRead, cacheWrite: 0 },
  outputTokens: { total: output, text: output - reasoning, reasoning },
});
const stop = { unified: 'stop', raw: 'stop' };

// 1. A tool loop: the model asks for lookup_order, the SDK runs it, the model answers.
await run(async () => {
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
await run(async () => {
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
await run(async () => {
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
await run(async () => {
  const embedder = new MockEmbeddingModelV4({
    provider: 'openai.embedding',
    modelId: 'text-embedding-3-small',
    doEmbed: async ({ values }) => ({ embeddings: values.map(() => [0.1, -0.2, 0.3]), usage: { tokens: 7 }, warnings: [] }),
  });
  await embed({ model: embedder, value: 'refund policy' });
});

await shutdown();
