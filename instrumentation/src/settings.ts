import { diag } from '@opentelemetry/api';

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

/**
 * Where LLM message content goes: `span_only` (or `true`) as span attributes,
 * `event_only` as a `gen_ai.client.inference.operation.details` span event,
 * `span_and_event` both; `no_content` (or `false`) nowhere.
 */
export type CaptureContent = boolean | 'no_content' | 'span_only' | 'event_only' | 'span_and_event';

export interface Settings {
  /** Record LLM message content (gen_ai.input/output.messages). Off by default, as OTel advises. */
  captureContent?: CaptureContent;
  /** Payloads over this many UTF-8 bytes are replaced by a truncation marker (valid JSON). */
  maxPayloadBytes: number;
  redact?: RedactHook;
  /** The agent id stamped on spans outside any runAgent() that names its own. */
  agentId?: string;
  /** `gen_ai.agent.version` of runAgent() spans of that agent. */
  agentVersion?: string;
}

/** Well under the collector's 64 KiB attribute cap, so payloads stay valid JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 32 * 1024;

// On globalThis: the ESM and CommonJS builds loaded in one process must share one
// redaction hook and one capture switch, whichever of them init() came from.
const SETTINGS_KEY = Symbol.for('@agent-ledger/instrumentation.settings');
const settings: Settings = ((globalThis as Record<symbol, unknown>)[SETTINGS_KEY] ??= { maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES }) as Settings;

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

export interface ContentCapture {
  /** gen_ai.input.messages & co. as span attributes. */
  span: boolean;
  /** The same, on a gen_ai.client.inference.operation.details event. */
  event: boolean;
}

const CAPTURE_MODES: Record<string, ContentCapture> = {
  true: { span: true, event: false },
  span_only: { span: true, event: false },
  false: { span: false, event: false },
  no_content: { span: false, event: false },
  event_only: { span: false, event: true },
  span_and_event: { span: true, event: true },
};
const OFF = CAPTURE_MODES.no_content;

/** A mode by name, any case (the semantic conventions write them SPAN_ONLY…); undefined if unknown. */
export function captureMode(value: CaptureContent | string): ContentCapture | undefined {
  return CAPTURE_MODES[String(value).trim().toLowerCase()];
}

let warnedAbout: string | undefined;

/** Explicit option > init() > the environment variable > off. */
export function shouldCaptureContent(override?: CaptureContent): ContentCapture {
  const chosen = override ?? settings.captureContent;
  if (chosen !== undefined) return captureMode(chosen) ?? OFF;
  const env = process.env[CAPTURE_CONTENT_ENV];
  if (env === undefined || env.trim() === '') return OFF;
  const mode = captureMode(env);
  if (mode) return mode;
  // Content is what a user may not want exported: an unreadable switch means off, said once.
  if (warnedAbout !== env) {
    warnedAbout = env;
    diag.warn(`agent-ledger: ${CAPTURE_CONTENT_ENV}=${JSON.stringify(env)} is not one of ${Object.keys(CAPTURE_MODES).join(', ')}; content is not captured`);
  }
  return OFF;
}
