import type { ChatRequest, ChatResult } from './chat-span.js';
import type { CallObserver, StreamAccumulator } from './observe-call.js';
import { asArray, asRecord, num, opaquePart, parsedArguments, strOf, textPart, type Json, type Message, type Part } from './semconv-messages.js';

/** `chat.completions.create` request → span request (GenAI conventions, provider `openai`). */
export function chatCompletionRequest(body: Json, base: Json): ChatRequest {
  const stop = body.stop;
  const format = strOf(asRecord(body.response_format).type);
  return {
    provider: 'openai',
    operation: 'chat',
    requestModel: strOf(body.model),
    attributes: {
      ...base,
      'gen_ai.request.max_tokens': num(body.max_completion_tokens) ?? num(body.max_tokens),
      'gen_ai.request.temperature': num(body.temperature),
      'gen_ai.request.top_p': num(body.top_p),
      'gen_ai.request.frequency_penalty': num(body.frequency_penalty),
      'gen_ai.request.presence_penalty': num(body.presence_penalty),
      'gen_ai.request.seed': num(body.seed),
      'gen_ai.request.choice.count': num(body.n) !== undefined && body.n !== 1 ? num(body.n) : undefined,
      'gen_ai.request.stop_sequences': typeof stop === 'string' ? [stop] : Array.isArray(stop) ? stop.filter((s) => typeof s === 'string') : undefined,
      'gen_ai.output.type': format === 'json_object' || format === 'json_schema' ? 'json' : undefined,
      'gen_ai.request.stream': body.stream === true ? true : undefined,
    },
    inputMessages: () => asArray(body.messages).map((m) => inputMessage(asRecord(m))),
    toolDefinitions: () => (Array.isArray(body.tools) && body.tools.length ? body.tools : undefined),
  };
}

function inputMessage(m: Json): Message {
  const role = strOf(m.role) ?? 'user';
  if (role === 'tool') return { role, parts: [{ type: 'tool_call_response', id: strOf(m.tool_call_id), response: m.content }] };
  const parts = contentParts(m.content);
  for (const call of asArray(m.tool_calls)) parts.push(toolCallPart(asRecord(call)));
  return { role, parts };
}

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return [textPart(content)];
  return asArray(content).map((p) => {
    const part = asRecord(p);
    if (part.type === 'text' && typeof part.text === 'string') return textPart(part.text);
    if (part.type === 'refusal' && typeof part.refusal === 'string') return textPart(part.refusal);
    return opaquePart(part.type);
  });
}

function toolCallPart(call: Json): Part {
  const fn = asRecord(call.function);
  return { type: 'tool_call', id: strOf(call.id), name: strOf(fn.name) ?? 'unknown', arguments: parsedArguments(fn.arguments) };
}

function usageOf(usage: unknown): Pick<ChatResult, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'reasoningTokens'> {
  const u = asRecord(usage);
  return {
    inputTokens: num(u.prompt_tokens),
    outputTokens: num(u.completion_tokens),
    cacheReadTokens: num(asRecord(u.prompt_tokens_details).cached_tokens),
    reasoningTokens: num(asRecord(u.completion_tokens_details).reasoning_tokens),
  };
}

function outputMessage(choice: Json): Message {
  const message = asRecord(choice.message);
  const parts: Part[] = [];
  if (typeof message.content === 'string' && message.content) parts.push(textPart(message.content));
  if (typeof message.refusal === 'string' && message.refusal) parts.push(textPart(message.refusal));
  for (const call of asArray(message.tool_calls)) parts.push(toolCallPart(asRecord(call)));
  return { role: strOf(message.role) ?? 'assistant', parts, finish_reason: strOf(choice.finish_reason) };
}

export const chatCompletionObserver: CallObserver = {
  onResponse(body) {
    const b = asRecord(body);
    const choices = asArray(b.choices).map(asRecord);
    return {
      responseModel: strOf(b.model),
      responseId: strOf(b.id),
      finishReasons: choices.map((c) => strOf(c.finish_reason)).filter((r): r is string => !!r),
      ...usageOf(b.usage),
      outputMessages: () => choices.map(outputMessage),
    };
  },
  stream: () => new ChatChunkAccumulator(),
};

interface ChoiceSoFar {
  role: string;
  content: string;
  refusal: string;
  finish?: string;
  toolCalls: Map<number, { id?: string; name: string; arguments: string }>;
}

/** Folds `chat.completion.chunk`s: text and tool call deltas per choice; usage arrives only with stream_options.include_usage. */
class ChatChunkAccumulator implements StreamAccumulator<unknown> {
  private id?: string;
  private model?: string;
  private usage?: unknown;
  private readonly choices = new Map<number, ChoiceSoFar>();

  add(event: unknown): void {
    const chunk = asRecord(event);
    this.id ??= strOf(chunk.id);
    this.model ??= strOf(chunk.model);
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of asArray(chunk.choices).map(asRecord)) {
      const index = num(c.index) ?? 0;
      let choice = this.choices.get(index);
      if (!choice) this.choices.set(index, (choice = { role: 'assistant', content: '', refusal: '', toolCalls: new Map() }));
      const delta = asRecord(c.delta);
      if (typeof delta.role === 'string') choice.role = delta.role;
      if (typeof delta.content === 'string') choice.content += delta.content;
      if (typeof delta.refusal === 'string') choice.refusal += delta.refusal;
      if (typeof c.finish_reason === 'string') choice.finish = c.finish_reason;
      for (const t of asArray(delta.tool_calls).map(asRecord)) {
        const i = num(t.index) ?? 0;
        const fn = asRecord(t.function);
        const call = choice.toolCalls.get(i) ?? { name: '', arguments: '' };
        call.id ??= strOf(t.id);
        if (typeof fn.name === 'string') call.name += fn.name;
        if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
        choice.toolCalls.set(i, call);
      }
    }
  }

  result(): ChatResult {
    const choices = [...this.choices.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
    return {
      responseModel: this.model,
      responseId: this.id,
      finishReasons: choices.map((c) => c.finish).filter((r): r is string => !!r),
      ...usageOf(this.usage),
      outputMessages: () =>
        choices.map((c) =>
          outputMessage({
            finish_reason: c.finish,
            message: {
              role: c.role,
              content: c.content,
              refusal: c.refusal,
              tool_calls: [...c.toolCalls.values()].map((t) => ({ id: t.id, function: { name: t.name, arguments: t.arguments } })),
            },
          }),
        ),
    };
  }
}
