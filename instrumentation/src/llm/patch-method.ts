/** Marks a method we replaced, so instrumenting a client twice wraps it once. */
const WRAPPED = Symbol.for('@agent-ledger/instrumentation.wrapped');

type Method = ((...args: unknown[]) => unknown) & { [WRAPPED]?: true };

/**
 * Replaces `owner[name]` on that instance (not its class), so only the
 * client the user handed us is affected. Returns false when there is no
 * such method, e.g. an SDK version without that API.
 */
export function patchMethod(
  owner: unknown,
  name: string,
  wrap: (original: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown,
): boolean {
  if (owner === null || typeof owner !== 'object') return false;
  const target = owner as Record<string, Method | undefined>;
  const original = target[name];
  if (typeof original !== 'function') return false;
  if (original[WRAPPED]) return true;
  const wrapped = wrap(original.bind(owner)) as Method;
  wrapped[WRAPPED] = true;
  target[name] = wrapped;
  return true;
}
