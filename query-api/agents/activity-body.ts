import { z } from 'zod';
import { SEVERITIES } from '../../model/trust-score.js';
import { validationError } from '../api-error.js';
import { plainText } from '../plain-text.js';
import { MAX_AGENT_REF_LENGTH } from './agent-lookup.js';

export const MAX_EVENT_TYPE_LENGTH = 50;
export const MAX_BATCH_EVENTS = 500;
const MAX_METADATA_DEPTH = 32;

/** One event as activity-events-api.txt specifies it; unknown fields are refused so a misspelt one is never dropped silently. */
export const eventShape = z
  .object({
    // its length is checked with the lookup (agent-lookup.ts checkAgentRef), so a batch can name the event
    asn: z.string({ error: 'is required: the agent\'s ASN (or its UUID or external id)' }).meta({
      minLength: 1,
      maxLength: MAX_AGENT_REF_LENGTH,
      description: 'The agent\'s ASN (its UUID or an external id of the caller\'s organization are accepted too).',
    }),
    event_type: plainText(
      z
        .string({ error: 'is required' })
        .min(1, 'must not be empty')
        .max(MAX_EVENT_TYPE_LENGTH, `must be at most ${MAX_EVENT_TYPE_LENGTH} characters`),
    ).meta({
      description: 'Common types: task_completed, task_failed, error, incident, startup, shutdown (see the README for how each moves the trust score).',
    }),
    severity: z.enum(SEVERITIES, { error: `must be one of ${SEVERITIES.join(', ')}` }).default('info'),
    metadata: z
      .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
      .default({})
      .meta({ description: 'Any JSON object, at most `agents.max_metadata_bytes` (16 KiB) as JSON; redacted like spans.' }),
  })
  .strict()
  .meta({ examples: [{ asn: 'ASN-2026-0384-7721-G', event_type: 'task_completed', severity: 'info', metadata: { task_id: 'scan-42', duration_ms: 1230 } }] });

export type ReportedEvent = z.infer<typeof eventShape>;

export const batchShape = z
  .object({
    events: z
      .array(z.unknown(), { error: 'is required: an array of events' })
      .min(1, 'must hold at least one event')
      .max(MAX_BATCH_EVENTS, `must hold at most ${MAX_BATCH_EVENTS} events`),
  })
  .strict()
  .meta({ examples: [{ events: [{ asn: 'ASN-2026-0384-7721-G', event_type: 'task_completed', metadata: { task_id: 'scan-42' } }] }] });

/** `events.3.event_type` → `events[3].event_type`. */
function fieldName(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function fail(error: z.ZodError, prefix: ReadonlyArray<PropertyKey>): never {
  const issue = error.issues[0];
  const path = [...prefix, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    throw validationError(`unknown field \`${fieldName([...path, issue.keys[0]])}\`; allowed: asn, event_type, severity, metadata`);
  }
  throw validationError(path.length ? `\`${fieldName(path)}\` ${issue.message}` : `the body ${issue.message}`);
}

function depthOf(value: unknown, limit: number, depth = 0): number {
  if (depth > limit || value === null || typeof value !== 'object') return depth;
  let max = depth;
  for (const v of Object.values(value)) max = Math.max(max, depthOf(v, limit, depth + 1));
  return max;
}

/** One event, checked field by field; `prefix` places it in a batch for the error message. */
export function parseEvent(body: unknown, maxMetadataBytes: number, prefix: ReadonlyArray<PropertyKey> = []): ReportedEvent {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationError(prefix.length ? `\`${fieldName(prefix)}\` must be a JSON object` : 'the body must be a JSON object');
  }
  const result = eventShape.safeParse(body);
  if (!result.success) fail(result.error, prefix);
  // zod rebuilds records with plain assignment, which turns an own `__proto__` key into the copy's
  // prototype (dropped when stored, yet readable as inherited fields): keep the parsed JSON object.
  const event = { ...result.data, metadata: ownMetadata(body) ?? result.data.metadata };
  // depth first: JSON.stringify of metadata nested thousands deep overflows the stack. Measured on
  // the object kept, not zod's copy, whose `__proto__` subtree Object.values never visits.
  if (depthOf(event.metadata, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH) {
    throw validationError(`\`${fieldName([...prefix, 'metadata'])}\` nests deeper than ${MAX_METADATA_DEPTH} levels`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(event.metadata), 'utf8');
  if (bytes > maxMetadataBytes) {
    throw validationError(`\`${fieldName([...prefix, 'metadata'])}\` is ${bytes} bytes as JSON; at most ${maxMetadataBytes} are accepted`);
  }
  return event;
}

function ownMetadata(body: object): Record<string, unknown> | undefined {
  const metadata = Object.getOwnPropertyDescriptor(body, 'metadata')?.value;
  return metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : undefined;
}

/** A batch, validated as a whole before anything is written: the first bad event is named by its index and field. */
export function parseBatch(body: unknown, maxMetadataBytes: number): ReportedEvent[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw validationError('the body must be a JSON object: {"events": [...]}');
  const result = batchShape.safeParse(body);
  if (!result.success) fail(result.error, []);
  return result.data.events.map((e, i) => parseEvent(e, maxMetadataBytes, ['events', i]));
}
