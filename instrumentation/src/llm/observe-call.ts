import { context } from '@opentelemetry/api';
import type { ChatResult, ChatSpan } from './chat-span.js';

/** Folds a stream's events into what the call answered. */
export interface StreamAccumulator<E> {
  add(event: E): void;
  result(): ChatResult;
}

export interface CallObserver {
  /** A non-streamed response body. */
  onResponse(body: unknown): ChatResult;
  /** A fresh accumulator for a streamed response. */
  stream(): StreamAccumulator<unknown>;
}

/**
 * Calls the SDK method inside the span's context and watches its result
 * without replacing it: the SDK's own promise (with `.withResponse()` and
 * friends) goes back to the caller. Our `.then` is registered before the
 * caller's, so a returned stream is wrapped before anyone reads it.
 */
export function observeCall<T>(chat: ChatSpan, call: () => T, observer: CallObserver): T {
  let returned: T;
  try {
    returned = context.with(chat.context, call);
  } catch (err) {
    chat.fail(err);
    throw err;
  }
  if (!isThenable(returned)) {
    // Not an SDK shape we know: the call happened, but there is nothing to read from it.
    chat.end({});
    return returned;
  }
  returned.then(
    (value: unknown) => {
      try {
        if (isAsyncIterable(value)) wrapStream(value, chat, observer.stream());
        else chat.end(safeResult(() => observer.onResponse(value)));
      } catch {
        chat.end({});
      }
    },
    (err: unknown) => chat.fail(err),
  );
  return returned;
}

/**
 * Replaces the stream's iterator on the instance, so every way of reading
 * it (for await, tee(), toReadableStream(), the SDKs' stream helpers) goes
 * through us. The span ends when the stream ends, fails or is abandoned
 * (`break`), with what had arrived by then.
 */
function wrapStream(stream: AsyncIterable<unknown>, chat: ChatSpan, acc: StreamAccumulator<unknown>): void {
  const original = stream[Symbol.asyncIterator].bind(stream);
  const target = stream as { [Symbol.asyncIterator]: () => AsyncIterator<unknown> };
  target[Symbol.asyncIterator] = () => {
    const inner = original();
    return observedIterator(inner, chat, acc);
  };
}

function observedIterator(inner: AsyncIterator<unknown>, chat: ChatSpan, acc: StreamAccumulator<unknown>): AsyncIterator<unknown> {
  const result = () => safeResult(() => acc.result());
  return {
    async next() {
      let step: IteratorResult<unknown>;
      try {
        step = await inner.next();
      } catch (err) {
        chat.fail(err, result());
        throw err;
      }
      if (step.done) chat.end(result());
      else {
        chat.firstChunk();
        try {
          acc.add(step.value);
        } catch {
          /* an event we cannot read: the caller still gets it */
        }
      }
      return step;
    },
    async return(value?: unknown) {
      chat.end(result());
      return inner.return ? inner.return(value) : { done: true, value };
    },
    async throw(err?: unknown) {
      chat.fail(err, result());
      if (inner.throw) return inner.throw(err);
      throw err;
    },
  };
}

function safeResult(read: () => ChatResult): ChatResult {
  try {
    return read();
  } catch {
    return {};
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}
