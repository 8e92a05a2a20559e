/**
 * ┌──────────────────────────────────────────────────────────────────────┐
 * │ SCRIPTED FAKE LLM — no network, no model, no API key.                 │
 * │ A `fetch` handed to the real OpenAI and Anthropic SDK clients, which │
 * │ answers from script.ts. Swap it for the SDKs' default fetch (and real │
 * │ keys) and the same agent talks to the real providers.                │
 * └──────────────────────────────────────────────────────────────────────┘
 */
import { ANTHROPIC_MODEL, OPENAI_RESPONSE_MODEL, SCRIPTS, type Turn } from './script.js';

/** Every prompt names its ticket as `[T-1234]`; that and the turn number pick the answer. */
function ticketOf(text: string): string {
  const id = /\[(T-\d+)\]/.exec(text)?.[1];
  if (!id || !SCRIPTS[id]) throw new Error(`scripted LLM: no script for "${text.slice(0, 60)}"`);
  return id;
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The OpenAI Chat Completions API, as far as the agent uses it. */
export const scriptedOpenAIFetch: typeof fetch = async (_url, init) => {
  const body = JSON.parse(String(init?.body)) as { messages: Array<{ role: string; content?: unknown }> };
  const ticket = ticketOf(String(body.messages.find((m) => m.role === 'user')?.content));
  const turnIndex = body.messages.filter((m) => m.role === 'assistant').length;
  const turn: Turn | undefined = SCRIPTS[ticket].turns[turnIndex];
  if (!turn) throw new Error(`scripted LLM: ${ticket} has no turn ${turnIndex}`);
  if ('outage' in turn) return json({ error: { message: 'The server is overloaded. Please retry later.', type: 'server_error' } }, turn.outage);
  const [prompt, completion] = turn.usage;
  const toolCalls = 'toolCalls' in turn
    ? turn.toolCalls.map((c, i) => ({ id: `call_${ticket}_${turnIndex}_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args) } }))
    : undefined;
  return json({
    id: `chatcmpl-${ticket}-${turnIndex}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: OPENAI_RESPONSE_MODEL,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'text' in turn ? turn.text : null, tool_calls: toolCalls, refusal: null },
        finish_reason: toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  });
};

/** The Anthropic Messages API, streamed (server-sent events), as `messages.stream()` asks. */
export const scriptedAnthropicFetch: typeof fetch = async (_url, init) => {
  const body = JSON.parse(String(init?.body)) as { messages: Array<{ content: unknown }> };
  const ticket = ticketOf(String(body.messages[0]?.content));
  const { text, usage } = SCRIPTS[ticket].summary;
  const words = text.split(/(?<= )/);
  const events: Array<[string, unknown]> = [
    ['message_start', { type: 'message_start', message: { id: `msg_${ticket}`, type: 'message', role: 'assistant', model: ANTHROPIC_MODEL, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage[0], output_tokens: 1 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ...words.map((w): [string, unknown] => ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: w } }]),
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage[1] } }],
    ['message_stop', { type: 'message_stop' }],
  ];
  const sse = events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
  return new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
};
