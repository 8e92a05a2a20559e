import type { ChatRequest, ChatResult } from './chat-span.js';
import type { CallObserver, StreamAccumulator } from './observe-call.js';
import { asArray, asRecord, num, opaquePart, parsedArguments, strOf, textPart, type Json, type Message, type Part } from './semconv-messages.js';

/** `messages.create` request → span request (GenAI conventions, provider `anthropic`). */
export function messagesRequest(body: Json, base: Json): ChatRequest {
  return {
    provider: 'anthropic',
    operation: 'chat',
    requestModel: strOf(body.model),
    attributes: {
      ...base,
      'gen_ai.request.max_tokens': num(body.max_tokens),
      'gen_ai.request.temperature': num(body.temperature),
      'gen_ai.request.top_p': num(body.top_p),
      'gen_ai.request.top_k': num(body.top_k),
      'gen_ai.request.stop_sequences': Array.isArray(body.stop_sequences) ? body.stop_sequences.filter((s) => typeof s === 'string') : undefined,
      'gen_ai.request.stream': body.stream === true ? true : undefined,
    },
    inputMessages: () => asArray(body.messages).map((m) => {
      const message = asRecord(m);
      return { role: strOf(message.role) ?? 'user', parts: blockParts(message.content) };
    }),
    // Anthropic takes the system prompt apart from the messages: the conventions' system_instructions.
    systemInstructions: () => (body.system === undefined ? undefined : blockParts(body.system)),
    toolDefinitions: () => (Array.isArray(body.tools) && body.tools.length ? body.tools : undefined),
  };
}

function blockParts(content: unknown): Part[] {
  if (typeof content === 'string') return [textPart(content)];
  return asArray(content).map((b) => blockPart(asRecord(b)));
}

function blockPart(block: Json): Part {
  switch (block.type) {
    case 'text':
      return textPart(strOf(block.text) ?? '');
    case 'thinking':
      return { type: 'reasoning', content: strOf(block.thinking) ?? '' };
    case 'tool_use':
    case 'server_tool_use':
      return { type: 'tool_call', id: strOf(block.id), name: strOf(block.name) ?? 'unknown', arguments: block.input };
    case 'tool_result':
      return { type: 'tool_call_response', id: strOf(block.tool_use_id), response: toolResultContent(block.content) };
    default:
      return opaquePart(block.type);
  }
}

/** A tool result is text or a list of blocks: its text, or the blocks' parts. */
function toolResultContent(content: unknown): unknown {
  if (typeof content === 'string' || content === undefined) return content;
  return blockParts(content);
}

/** Anthropic counts cached input apart; the conventions' input tokens include it. */
function usageOf(usage: unknown): Pick<ChatResult, 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheCreationTokens'> {
  const u = asRecord(usage);
  const input = num(u.input_tokens);
  const cacheRead = num(u.cache_read_input_tokens) ?? 0;
  const cacheCreation = num(u.cache_creation_input_tokens) ?? 0;
  return {
    inputTokens: input === undefined ? undefined : input + cacheRead + cacheCreation,
    outputTokens: num(u.output_tokens),
    cacheReadTokens: cacheRead,
    cacheCreationTokens: cacheCreation,
  };
}

function messageResult(body: unknown): ChatResult {
  const m = asRecord(body);
  const stop = strOf(m.stop_reason);
  return {
    responseModel: strOf(m.model),
    responseId: strOf(m.id),
    finishReasons: stop ? [stop] : [],
    ...usageOf(m.usage),
    outputMessages: () => [{ role: strOf(m.role) ?? 'assistant', parts: blockParts(m.content), finish_reason: stop } satisfies Message],
  };
}

export const messagesObserver: CallObserver = {
  onResponse: messageResult,
  stream: () => new MessageEventAccumulator(),
};

/** Rebuilds the final Message from stream events: message_start, content block deltas, message_delta (stop reason, usage). */
class MessageEventAccumulator implements StreamAccumulator<unknown> {
  private message: Json = {};
  private usage: Json = {};
  private readonly blocks: Json[] = [];
  private readonly partialJson = new Map<number, string>();

  add(event: unknown): void {
    const e = asRecord(event);
    switch (e.type) {
      case 'message_start':
        this.message = { ...asRecord(e.message) };
        this.usage = { ...asRecord(this.message.usage) };
        break;
      case 'content_block_start':
        this.blocks[num(e.index) ?? this.blocks.length] = { ...asRecord(e.content_block) };
        break;
      case 'content_block_delta':
        this.applyDelta(num(e.index) ?? 0, asRecord(e.delta));
        break;
      case 'content_block_stop': {
        const index = num(e.index) ?? 0;
        const json = this.partialJson.get(index);
        if (json !== undefined && this.blocks[index]) this.blocks[index].input = parsedArguments(json);
        break;
      }
      case 'message_delta':
        if (typeof asRecord(e.delta).stop_reason === 'string') this.message.stop_reason = asRecord(e.delta).stop_reason;
        // Counts here are cumulative: they replace those of message_start.
        for (const [k, v] of Object.entries(asRecord(e.usage))) if (typeof v === 'number') this.usage[k] = v;
        break;
    }
  }

  private applyDelta(index: number, delta: Json): void {
    const block = (this.blocks[index] ??= {});
    if (delta.type === 'text_delta') block.text = (strOf(block.text) ?? '') + (strOf(delta.text) ?? '');
    else if (delta.type === 'thinking_delta') block.thinking = (strOf(block.thinking) ?? '') + (strOf(delta.thinking) ?? '');
    else if (delta.type === 'input_json_delta') this.partialJson.set(index, (this.partialJson.get(index) ?? '') + (strOf(delta.partial_json) ?? ''));
  }

  result(): ChatResult {
    return messageResult({ ...this.message, usage: this.usage, content: this.blocks.filter(Boolean) });
  }
}
