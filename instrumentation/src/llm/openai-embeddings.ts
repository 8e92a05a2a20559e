import type { ChatRequest } from './chat-span.js';
import type { CallObserver } from './observe-call.js';
import { asRecord, num, strOf, type Json } from './semconv-messages.js';

/** `embeddings.create` request → an `embeddings <model>` span (no content: the input is only text to embed). */
export function embeddingsRequest(body: Json, base: Json): ChatRequest {
  const format = strOf(body.encoding_format);
  return {
    provider: 'openai',
    operation: 'embeddings',
    requestModel: strOf(body.model),
    attributes: {
      ...base,
      'gen_ai.embeddings.dimension.count': num(body.dimensions),
      'gen_ai.request.encoding_formats': format ? [format] : undefined,
    },
  };
}

export const embeddingsObserver: CallObserver = {
  onResponse(body) {
    const b = asRecord(body);
    const usage = asRecord(b.usage);
    return { responseModel: strOf(b.model), inputTokens: num(usage.prompt_tokens) };
  },
  // embeddings.create never streams; an accumulator that reads nothing keeps the span honest if one did.
  stream: () => ({ add() {}, result: () => ({}) }),
};
