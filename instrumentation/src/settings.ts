/**
 * Process-wide settings that init() sets and the wrappers read at call time,
 * so a tool or a client instrumented before init() still follows them.
 */

/** What a payload is, for the redaction hook. */
export type PayloadKind = 'tool.arguments' | 'tool.result' | 'agent.input' | 'agent.output' | 'llm.input' | 'llm.output';

export interface RedactContext {
  kind: PayloadKind;
  /** The tool, agent or model the payload belongs to. */
  name: string;
}

/**
 * Called with every payload before it is serialised onto a span. Return the
 * value to record (a copy with secrets removed), or undefined to record nothing.
 */
export type RedactHook = (value: unknown, context: RedactContext) => unknown;

export interface Settings {
  /** Record LLM message content (gen_ai.input/output.messages). Off by default, as OTel advises. */
  captureContent?: boolean;
  /** Payloads over this many UTF-8 bytes are replaced by a truncation marker (valid JSON). */
  maxPayloadBytes: number;
  redact?: RedactHook;
  /** The agent id stamped on spans outside any runAgent() that names its own. */
  agentId?: string;
}

/** Well under the collector's 64 KiB attribute cap, so payloads stay valid JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 32 * 1024;

const settings: Settings = { maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES };

export function getSettings(): Readonly<Settings> {
  return settings;
}

export function updateSettings(patch: Partial<Settings>): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value;
  }
}

/** The OTel switch for GenAI content, honoured when init() did not decide. */
export const CAPTURE_CONTENT_ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';

/** Explicit option > init() > the environment variable > off. */
export function shouldCaptureContent(override?: boolean): boolean {
  if (override !== undefined) return override;
  if (settings.captureContent !== undefined) return settings.captureContent;
  return process.env[CAPTURE_CONTENT_ENV]?.trim().toLowerCase() === 'true';
}
