/**
 * The support-agent example: eight tickets handled by two instrumented agents,
 * sent to the ledger. Run the server (`npm start`), then
 *
 *   LEDGER_KEY=alk_… npm run example
 *
 * Its LLM is the SCRIPTED FAKE LLM of scripted-llm.ts: no network, no
 * provider keys. Where spans go: LEDGER_OTLP_ENDPOINT, else the standard
 * OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, else http://127.0.0.1:4318.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { init, instrumentAnthropic, instrumentOpenAI } from '@agent-ledger/instrumentation';
import { handleTicket } from './agent.js';
import { scriptedAnthropicFetch, scriptedOpenAIFetch } from './scripted-llm.js';
import { TICKETS } from './tickets.js';

const ledger = init({
  endpoint: process.env.LEDGER_OTLP_ENDPOINT,
  apiKey: process.env.LEDGER_KEY,
  serviceName: 'support-agent-example',
  agentId: 'support-agent',
  environment: 'example',
});

// Real SDK clients; only their fetch is the scripted fake. No retries, so the scripted outage fails at once.
const openai = instrumentOpenAI(new OpenAI({ apiKey: 'scripted', baseURL: 'http://scripted-llm.invalid/v1', fetch: scriptedOpenAIFetch, maxRetries: 0 }));
const anthropic = instrumentAnthropic(new Anthropic({ apiKey: 'scripted', baseURL: 'http://scripted-llm.invalid', fetch: scriptedAnthropicFetch, maxRetries: 0 }));

for (const ticket of TICKETS) {
  try {
    const result = await handleTicket(ticket, { openai, anthropic });
    console.log(`${ticket.id}  done     run ${result.runId}  ${result.summary}`);
  } catch (err) {
    console.log(`${ticket.id}  failed   ${err instanceof Error ? err.message : String(err)}`);
  }
}

await ledger.shutdown();
console.log(`\nSent to ${ledger.endpoint}. See the runs: curl -H "Authorization: Bearer $LEDGER_KEY" http://127.0.0.1:8080/api/v1/runs`);
