import { messagesObserver, messagesRequest } from './anthropic-messages.js';
import { serverAttributes, startChatSpan, type LlmOptions } from './chat-span.js';
import { observeCall } from './observe-call.js';
import { patchMethod } from './patch-method.js';
import { asRecord } from './semconv-messages.js';

/**
 * Instruments one Anthropic client (`@anthropic-ai/sdk`): `messages.create`,
 * streamed or not, and so `messages.stream()`, which calls it. Each call is
 * a `chat <model>` span under the current run; the SDK's return values are
 * handed back unchanged. Returns the same client.
 *
 * SDK versions that trace themselves (1.x, once a tracer provider is
 * registered) would record every call a second time, doubling its tokens
 * and cost on the ledger: their own spans are switched off for this client.
 */
export function instrumentAnthropic<T extends object>(client: T, options: LlmOptions = {}): T {
  const c = client as Record<string, unknown>;
  const server = serverAttributes(c.baseURL);
  const patched = patchMethod(asRecord(c.messages), 'create', (original) => (body, ...rest) => {
    const request = messagesRequest(asRecord(body), server);
    return observeCall(startChatSpan(request, options), () => original(body, ...rest), messagesObserver);
  });
  if (patched && '_tracer' in c) c._tracer = undefined;
  return client;
}
