import { startChatSpan, serverAttributes, type LlmOptions } from './chat-span.js';
import { observeCall } from './observe-call.js';
import { chatCompletionObserver, chatCompletionRequest } from './openai-chat.js';
import { embeddingsObserver, embeddingsRequest } from './openai-embeddings.js';
import { patchMethod } from './patch-method.js';
import { responsesObserver, responsesRequest } from './openai-responses.js';
import { asRecord } from './semconv-messages.js';

/**
 * Instruments one OpenAI client (the official `openai` package, v5 to v7):
 * `chat.completions.create` and `responses.create`, streamed or not, and so
 * the helpers built on them (`chat.completions.stream`, `.parse`,
 * `runTools`, `responses.stream`), each a `chat <model>` span under the
 * current run; and `embeddings.create`, an `embeddings <model>` span. The SDK's own return values are handed back unchanged.
 * Returns the same client. Instrumenting it twice is harmless.
 */
export function instrumentOpenAI<T extends object>(client: T, options: LlmOptions = {}): T {
  const c = client as Record<string, unknown>;
  const server = serverAttributes(c.baseURL);
  patchMethod(asRecord(c.chat).completions, 'create', (original) => (body, ...rest) => {
    const request = chatCompletionRequest(asRecord(body), server);
    return observeCall(startChatSpan(request, options), () => original(body, ...rest), chatCompletionObserver);
  });
  patchMethod(c.responses, 'create', (original) => (body, ...rest) => {
    const request = responsesRequest(asRecord(body), server);
    return observeCall(startChatSpan(request, options), () => original(body, ...rest), responsesObserver);
  });
  patchMethod(c.embeddings, 'create', (original) => (body, ...rest) => {
    const request = embeddingsRequest(asRecord(body), server);
    return observeCall(startChatSpan(request, options), () => original(body, ...rest), embeddingsObserver);
  });
  return client;
}
