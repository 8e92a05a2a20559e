import type { JsonObject } from '../../model/ledger-entry.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import { messagesFromEvents } from './genai-events.js';
import { PayloadReader } from './payload-reader.js';

/** Events one entry takes at most: a bound on the work and size of one join. */
export const MAX_EVENTS_PER_SPAN = 2000;
/** JSON nesting kept in a message, as for span attributes (otlp.max_json_depth's default). */
const MAX_DEPTH = 64;

/** A held GenAI log event as a store reads it back: enough to order it and rebuild messages from it. */
export type HeldEvent = Pick<LogMessageRecord, 'log_id' | 'time_us' | 'idx' | 'event'>;

/** An entry's message sides as stored: JSON text, null for none (the form both stores compare). */
export interface MessageSides {
  inputs: string | null;
  outputs: string | null;
}

/** A span's events in the order they were emitted (time, position in their request, id), at most MAX_EVENTS_PER_SPAN. */
export function orderedEvents<T extends HeldEvent>(events: readonly T[]): T[] {
  return [...events]
    .sort((a, b) => a.time_us - b.time_us || a.idx - b.idx || (a.log_id < b.log_id ? -1 : a.log_id > b.log_id ? 1 : 0))
    .slice(0, MAX_EVENTS_PER_SPAN);
}

function messagesOf(events: readonly HeldEvent[]): { inputs: JsonObject | null; outputs: JsonObject | null } {
  if (events.length === 0) return { inputs: null, outputs: null };
  return messagesFromEvents(events.map((e) => e.event), new PayloadReader(MAX_DEPTH));
}

/**
 * The one rule by which GenAI log events fill their span's entry, on every
 * store. `events` are all the span's events held now (any order); `fresh`
 * the ids of those this write brought (null when the entry itself is being
 * written: none of them had reached it). A side is rebuilt from all the
 * events (genai-events.ts) only where the span gave none of its own: it is
 * rewritten when it is empty, or still exactly what the events other than
 * the fresh ones gave. The span's own attributes win. Returns the new sides,
 * or null when nothing changes.
 */
export function joinMessages(current: MessageSides, events: readonly HeldEvent[], fresh: ReadonlySet<string> | null): MessageSides | null {
  const all = orderedEvents(events);
  const now = messagesOf(all);
  const earlier = fresh ? messagesOf(all.filter((e) => !fresh.has(e.log_id))) : { inputs: null, outputs: null };
  const next: MessageSides = { ...current };
  for (const side of ['inputs', 'outputs'] as const) {
    const value = now[side];
    if (value === null) continue;
    const was = earlier[side];
    if (current[side] === null || (was !== null && current[side] === JSON.stringify(was))) next[side] = JSON.stringify(value);
  }
  return next.inputs === current.inputs && next.outputs === current.outputs ? null : next;
}
