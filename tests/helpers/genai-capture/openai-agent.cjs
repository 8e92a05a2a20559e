// A chat call through the official @opentelemetry/instrumentation-openai, exported over OTLP/HTTP.
// CommonJS on purpose: the instrumentation patches `openai` through require hooks.
// env: OTLP_URL (base; for grpc host:port), OTLP_KEY, LLM_URL, PROMPT, ORDER (logs-first | spans-first), PROTOCOL (proto | json | grpc)
process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');

const protocol = process.env.PROTOCOL ?? 'proto';
const headers = { Authorization: `Bearer ${process.env.OTLP_KEY}` };
function exporters() {
  if (protocol === 'grpc') {
    const { Metadata } = require('@grpc/grpc-js');
    const metadata = () => {
      const m = new Metadata();
      m.set('authorization', headers.Authorization);
      return m;
    };
    const url = `http://${process.env.OTLP_URL}`;
    return {
      traces: new (require('@opentelemetry/exporter-trace-otlp-grpc').OTLPTraceExporter)({ url, metadata: metadata() }),
      logs: new (require('@opentelemetry/exporter-logs-otlp-grpc').OTLPLogExporter)({ url, metadata: metadata() }),
    };
  }
  const suffix = protocol === 'json' ? 'http' : 'proto';
  return {
    traces: new (require(`@opentelemetry/exporter-trace-otlp-${suffix}`).OTLPTraceExporter)({ url: `${process.env.OTLP_URL}/v1/traces`, headers }),
    logs: new (require(`@opentelemetry/exporter-logs-otlp-${suffix}`).OTLPLogExporter)({ url: `${process.env.OTLP_URL}/v1/logs`, headers }),
  };
}
const { traces, logs } = exporters();

const resource = resourceFromAttributes({ 'service.name': 'genai-capture', 'gen_ai.agent.id': 'agt_capture_01' });
const tracerProvider = new NodeTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(traces, { scheduledDelayMillis: 60_000 })],
});
tracerProvider.register();
const loggerProvider = new LoggerProvider({
  resource,
  processors: [new BatchLogRecordProcessor({ exporter: logs, scheduledDelayMillis: 60_000 })],
});
registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()], tracerProvider, loggerProvider });

const { OpenAI } = require('openai');

async function main() {
  const client = new OpenAI({ apiKey: 'sk-test-not-a-real-key', baseURL: process.env.LLM_URL, maxRetries: 0 });
  await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a support agent.' },
      { role: 'user', content: process.env.PROMPT },
    ],
  });
  const first = process.env.ORDER === 'spans-first' ? [tracerProvider, loggerProvider] : [loggerProvider, tracerProvider];
  for (const p of first) await p.forceFlush();
  await loggerProvider.shutdown();
  await tracerProvider.shutdown();
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
