import type { DecodedSpan } from '../otlp/decoded-span.js';
import { str } from './attribute-readers.js';

/**
 * `agent_id` for every span of one request, in DESIGN.md's order: the span's
 * `gen_ai.agent.id`; the resource's; the nearest ancestor in this request
 * that has one; `gen_ai.agent.name` (span, then nearest ancestor); the
 * resource's `service.name`. Only this request is searched: spans already
 * stored are never consulted, so a span's entry never depends on timing.
 */
export function resolveAgentIds(spans: readonly DecodedSpan[]): Array<string | null> {
  const byKey = new Map<string, DecodedSpan>();
  for (const s of spans) byKey.set(spanKey(s.traceId, s.spanId), s);
  const idOf = (s: DecodedSpan) => str(s.attributes, 'gen_ai.agent.id') ?? str(s.resource, 'gen_ai.agent.id');
  const nameOf = (s: DecodedSpan) => str(s.attributes, 'gen_ai.agent.name');
  const inheritedId = ancestorLookup(byKey, idOf);
  const inheritedName = ancestorLookup(byKey, nameOf);
  return spans.map(
    (s) =>
      idOf(s) ??
      inheritedId(s) ??
      nameOf(s) ??
      inheritedName(s) ??
      str(s.resource, 'service.name'),
  );
}

function spanKey(traceId: string, spanId: string): string {
  return `${traceId}/${spanId}`;
}

/**
 * The value `own` gives for the nearest ancestor that has one. `memo` holds,
 * per span, the nearest value at that span or above it. Memoised along
 * each walked chain, so a deep request costs linear time, and cycle-safe,
 * since ids in a payload are only claims.
 */
function ancestorLookup(
  byKey: Map<string, DecodedSpan>,
  own: (s: DecodedSpan) => string | null,
): (s: DecodedSpan) => string | null {
  const memo = new Map<string, string | null>();
  return (span) => {
    const path: string[] = [];
    const seen = new Set<string>([spanKey(span.traceId, span.spanId)]);
    let result: string | null = null;
    let parentId = span.parentSpanId;
    while (parentId) {
      const key = spanKey(span.traceId, parentId);
      if (memo.has(key)) {
        result = memo.get(key)!;
        break;
      }
      const parent = byKey.get(key);
      if (!parent || seen.has(key)) break;
      seen.add(key);
      const value = own(parent);
      if (value) {
        memo.set(key, value);
        result = value;
        break;
      }
      path.push(key);
      parentId = parent.parentSpanId;
    }
    // Every span on the walked path (none with a value of its own) inherits the same answer.
    for (const key of path) memo.set(key, result);
    return result;
  };
}
