import type { ChatRequest, ChatResult } from './chat-span.js';
import type { CallObserver, StreamAccumulator } from './observe-call.js';
import { asArray, asRecord, num, opaquePart, parsedArguments, strOf, textPart, type Json, type Message, type Part } from './semconv-messages.js';

/** `responses.create` request → span request. */
export function responsesRequest(body: Json, base: Json): ChatRequest {
  const format = strOf(asRecord(asRecord(body.text).format).type);
  return {
    provider: 'openai',
    operation: 'chat',
    requestModel: strOf(body.model),
    attributes: {
      ...base,
      'gen_ai.request.max_tokens': num(body.max_output_tokens),
      'gen_ai.request.temperature': num(body.temperature),
      'gen_ai.request.top_p': num(body.top_p),
      'gen_ai.output.type': format === 'json_object' || format === 'json_schema' ? 'json' : undefined,
      'gen_ai.conversation.id': strOf(body.conversation) ?? strOf(asRecord(body.conversation).id),
      'gen_ai.request.stream': body.stream === true ? true : undefined,
    },
    inputMessages: () => (typeof body.input === 'string' ? [{ role: 'user', parts: [textPart(body.input)] }] : asArray(body.input).map((i) => inputItem(asRecord(i)))),
    systemInstructions: () => (typeof body.instructions === 'string' ? [textPart(body.instructions)] : undefined),
    toolDefinitions: () => (Array.isArray(body.tools) && body.tools.length ? body.tools : undefined),
  };
}

function inputItem(item: Json): Message {
  if (item.type === 'function_call') return { role: 'assistant', parts: [functionCallPart(item)] };
  if (item.type === 'function_call_output') {
    return { role: 'tool', parts: [{ type: 'tool_call_response', id: strOf(item.call_id), response: item.output }] };
  }
  return { role: strOf(item.role) ?? 'user', parts: contentParts(item.content) };
}

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return [textPart(content)];
  return asArray(content).map((p) => {
    const part = asRecord(p);
    if ((part.type === 'input_text' || part.type === 'output_text') && typeof part.text === 'string') return textPart(part.text);
    if (part.type === 'refusal' && typeof part.refusal === 'string') return textPart(part.refusal);
    return opaquePart(part.type);
  });
}

function functionCallPart(item: Json): Part {
  return { type: 'tool_call', id: strOf(item.call_id), name: strOf(item.name) ?? 'unknown', arguments: parsedArguments(item.arguments) };
}

/** The Responses API has no finish reason: its status, or why it is incomplete, stands in. */
function finishReason(response: Json): string | undefined {
  if (response.status === 'completed') return 'stop';
  return strOf(asRecord(response.incomplete_details).reason) ?? strOf(response.status);
}

function responseResult(body: unknown): ChatResult {
  const r = asRecord(body);
  const usage = asRecord(r.usage);
  const finish = finishReason(r);
  return {
    responseModel: strOf(r.model),
    responseId: strOf(r.id),
    finishReasons: finish ? [finish] : [],
    inputTokens: num(usage.input_tokens),
    outputTokens: num(usage.output_tokens),
    cacheReadTokens: num(asRecord(usage.input_tokens_details).cached_tokens),
    reasoningTokens: num(asRecord(usage.output_tokens_details).reasoning_tokens),
    outputMessages: () => {
      const parts: Part[] = [];
      for (const item of asArray(r.output).map(asRecord)) {
        if (item.type === 'message') parts.push(...contentParts(item.content));
        else if (item.type === 'function_call') parts.push(functionCallPart(item));
        else if (item.type === 'reasoning') {
          for (const s of asArray(item.summary).map(asRecord)) if (typeof s.text === 'string') parts.push({ type: 'reasoning', content: s.text });
        } else parts.push(opaquePart(item.type));
      }
      return [{ role: 'assistant', parts, finish_reason: finish }];
    },
  };
}

export const responsesObserver: CallObserver = {
  onResponse: responseResult,
  stream: () => new ResponseEventAccumulator(),
};

/** Streamed responses carry the whole response in their created / completed / incomplete / failed events: the last one wins. */
class ResponseEventAccumulator implements StreamAccumulator<unknown> {
  private latest: unknown;

  add(event: unknown): void {
    const e = asRecord(event);
    if (e.response && typeof e.type === 'string' && e.type.startsWith('response.')) this.latest = e.response;
  }

  result(): ChatResult {
    return this.latest ? responseResult(this.latest) : {};
  }
}
