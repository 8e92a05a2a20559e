import { z } from 'zod';

/**
 * What an entry's conventions said beyond the seed's fields, read once on
 * ingest by the mappers (collector/normalize/), so readers (the traces API,
 * run rollups, agent registration) read fields and never a convention's
 * attribute names. Every field is optional: a span says what it says.
 * This zod shape is the one definition; the types below are inferred from it.
 */

export const chatToolCallSchema = z.object({
  /** The call id the model gave; null when none was recorded. */
  id: z.string().nullable(),
  name: z.string(),
  /** Parsed JSON arguments; the raw text when they are not JSON; null when none were recorded. */
  args: z.unknown(),
});

/** One chat message as the traces seed shows it, whatever shape its instrumentation recorded (model/chat-message.ts). */
export const chatMessageSchema = z.object({
  /** system, user, assistant or tool (other roles as recorded, lowercased). */
  role: z.string(),
  content: z.string().nullable(),
  tool_calls: z.array(chatToolCallSchema).optional(),
  /** On tool messages: the call they answer. */
  tool_call_id: z.string().nullable().optional(),
});

/** A tool a model call was offered (model/tool-definition.ts). */
export const toolDefinitionSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  /** JSON Schema of the arguments; null when unrecorded. */
  parameters: z.unknown(),
  /** Whatever else the definition said (e.g. `strict`, a non-function `type`). */
  metadata: z.record(z.string(), z.unknown()),
});

const scalar = z.union([z.string(), z.number(), z.boolean()]);

export const entryDetailsSchema = z.object({
  /** What a model call was sent, system instructions first. */
  input_messages: z.array(chatMessageSchema).optional(),
  /** What it answered. */
  output_messages: z.array(chatMessageSchema).optional(),
  /** The tools a model call was offered, in the order its conventions list them. */
  tool_definitions: z.array(toolDefinitionSchema).optional(),
  /** As the request recorded it: "auto" / "none" / "required" or the provider's object. */
  tool_choice: z.unknown().optional(),
  /** Request parameters of a model call (temperature, max_tokens, …): scalars, or lists of them (stop sequences). */
  model_parameters: z.record(z.string(), z.union([scalar, z.array(scalar)])).optional(),
  prompt_name: z.string().optional(),
  /** Embedding calls vectorise texts; they are no conversation. */
  embedding: z.boolean().optional(),
  /** A tool span's call id, as the model gave it. */
  tool_call_id: z.string().optional(),
  tool_description: z.string().optional(),
  agent_name: z.string().optional(),
  /** The agent's own version (`gen_ai.agent.version`). */
  agent_version: z.string().optional(),
  /** A model call's reasoning tokens, already counted in its output tokens. */
  reasoning_tokens: z.number().int().nonnegative().optional(),
  /** Seconds from a streamed model call's request to its first chunk. */
  time_to_first_chunk: z.number().nonnegative().optional(),
  /** The span's own user (an end user, not the ingest credential's). */
  end_user_id: z.string().optional(),
  session_id: z.string().optional(),
  conversation_id: z.string().optional(),
  environment: z.string().optional(),
  /** User metadata that describes the whole trace (Langfuse trace metadata). */
  trace_metadata: z.record(z.string(), z.unknown()).optional(),
  /** User metadata of this observation only (Langfuse observation metadata). */
  observation_metadata: z.record(z.string(), z.unknown()).optional(),
  /** Other user metadata (OpenInference `metadata`, OpenLLMetry association properties). */
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type ChatToolCall = z.infer<typeof chatToolCallSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ToolDefinition = z.infer<typeof toolDefinitionSchema>;
export type EntryDetails = z.infer<typeof entryDetailsSchema>;

/**
 * A run's action with its details attached for the traces API, not
 * enumerable: the runs API's JSON, and comparisons of entries, see the
 * entry as the ledger has it.
 */
export function withDetails<T extends object>(entry: T, details: EntryDetails): T & { details: EntryDetails } {
  Object.defineProperty(entry, 'details', { value: details, enumerable: false, writable: true, configurable: true });
  return entry as T & { details: EntryDetails };
}
