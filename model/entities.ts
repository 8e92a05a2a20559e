import { z } from 'zod';

/**
 * Values pulled at ingest out of what an action touched (collector/normalize/extract-entities.ts):
 * the one definition of the entry's `entities` field, which both stores index per type
 * (SQLite: each partition's `entities` table; Elasticsearch: keyword fields `entities.<type>`).
 */
export const ENTITY_TYPES = ['host', 'url', 'email', 'ip', 'path', 'command'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Bounds of one entry's extraction: an entity list is evidence to pivot on, never a copy of the payload. */
export const ENTITY_LIMITS = {
  /** Distinct values kept per type and entry; more is said in `truncated_fields` (`entities`). */
  maxValuesPerType: 64,
  /** A longer URL, path or command is not kept (a command is cut to this many characters). */
  maxValueLength: 2048,
  /** JSON nesting walked inside inputs, outputs and tool-call arguments. */
  maxDepth: 16,
  /** Strings looked at per entry. */
  maxStrings: 4096,
  /** Characters scanned per entry over all its strings (a longer string is scanned up to the budget left). */
  maxScanChars: 1 << 20,
} as const;

const values = (description: string) => z.array(z.string()).optional().meta({ description });

/** Only the types found are present; each list is deduplicated, in the order found. */
export const entitiesSchema = z
  .object({
    host: values('Host names, lowercase, punycode (IDNA), without a trailing dot: from URLs, host-like arguments and attributes, and names in text under a known suffix.'),
    url: values('Absolute URLs as the WHATWG URL parser serialises them, user name and password removed.'),
    email: values('Email addresses, lowercase; where ingest pseudonymises them, the pseudonym `[EMAIL:<hex>]` and never the address.'),
    ip: values('IPv4 and IPv6 addresses (node:net isIP), IPv6 in its canonical compressed form, zone dropped.'),
    path: values('File paths: POSIX (`/`, `~/`, `./`, `../`), Windows (`C:\\`), and values of path-like argument keys.'),
    command: values('Shell commands of tool calls (`cmd`, `command`, `script` arguments, or the input of a bash/shell/exec tool), whitespace trimmed.'),
  })
  .strict()
  .meta({ description: 'Entities extracted at ingest from tool arguments and results, LLM tool calls and network attributes (README, "Entities").' });

export type Entities = z.infer<typeof entitiesSchema>;

export function isEntityType(s: string): s is EntityType {
  return (ENTITY_TYPES as readonly string[]).includes(s);
}
