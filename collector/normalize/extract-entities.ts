import { ENTITY_LIMITS, ENTITY_TYPES, type Entities, type EntityType } from '../../model/entities.js';
import type { ActionKind, Attributes, JsonObject } from '../../model/ledger-entry.js';
import { normalizeHost, normalizeIp, scanText, type Sinks } from './entity-patterns.js';

/**
 * The entities of one entry (model/entities.ts), from what the action
 * touched: a tool's arguments and result, the tool calls an LLM made or was
 * given, and the network and process attributes of the span. It runs on the
 * entry as normalised, after redaction: a secret is already
 * `[REDACTED:<kind>]` and an address its pseudonym `[EMAIL:<hex>]`, which is
 * what is extracted. Bounded (ENTITY_LIMITS): `cut` is true when a bound
 * left something unread or unkept.
 */
export interface EntitySource {
  kind: ActionKind;
  /** The tool's name for a tool entry. */
  name: string;
  inputs: JsonObject | null;
  outputs: JsonObject | null;
  attributes: Attributes;
}

export interface ExtractedEntities {
  entities: Entities;
  cut: boolean;
}

/** Argument keys whose value is the command a tool runs. */
const COMMAND_KEYS = new Set(['cmd', 'command', 'commands', 'script', 'command_line', 'commandline', 'shell_command', 'bash_command']);
/** The text input of a shell tool (non-JSON text becomes `{"value": text}`, DESIGN.md). */
const SHELL_INPUT_KEYS = new Set(['value', 'input', 'code']);
/** Tools whose single text input is a command. */
const SHELL_TOOL = /(?:^|[^a-z])(?:bash|shell|sh|zsh|exec|terminal|powershell|pwsh|cmd|run_command|subprocess)(?:$|[^a-z])/i;
/** Where a tool call holds what it was given. */
const ARGUMENT_KEYS = /^(?:arguments|args|input|parameters)$/i;
const HOST_KEYS = new Set(['host', 'hostname', 'domain', 'server', 'server_name', 'remote_host', 'target_host']);
const PATH_KEYS = new Set(['path', 'file', 'file_path', 'filepath', 'filename', 'file_name', 'dir', 'directory', 'cwd', 'target_file', 'source_path', 'destination_path']);
/** Where an LLM's messages carry tool calls and their results (OpenAI, Anthropic, OTel GenAI parts). */
const TOOL_CALL_KEYS = new Set(['tool_calls', 'tool_call', 'function_call', 'tool_use', 'tool_result', 'tool_call_response', 'tool_calls_results']);
const TOOL_CALL_TYPES = new Set(['tool_call', 'tool_call_response', 'function', 'function_call', 'tool_use', 'tool_result']);
/** Span attributes about the network peer, the URL, the user and the process (OTel semantic conventions). */
const ATTRIBUTE_SOURCES: Readonly<Record<string, 'text' | 'host' | 'command'>> = {
  'url.full': 'text', 'http.url': 'text', 'url.original': 'text', 'server.address': 'host', 'net.peer.name': 'host', 'url.domain': 'host',
  'http.host': 'host', 'client.address': 'host', 'network.peer.address': 'host', 'net.peer.ip': 'host', 'source.address': 'host',
  'destination.address': 'host', 'user.email': 'text', 'enduser.id': 'text', 'process.command_line': 'command',
};

export function extractEntities(source: EntitySource): ExtractedEntities {
  const x = new Extraction();
  for (const [key, how] of Object.entries(ATTRIBUTE_SOURCES)) {
    const v = Object.hasOwn(source.attributes, key) ? source.attributes[key] : undefined;
    if (typeof v !== 'string') continue;
    if (how === 'host') x.hostValue(v);
    else if (how === 'command') x.command(v);
    else x.text(v);
  }
  if (source.kind === 'tool') {
    const shell = SHELL_TOOL.test(source.name);
    x.walk(source.inputs, 0, true, shell ? 'shell' : 'args');
    x.walk(source.outputs, 0, true, 'result');
  } else {
    // other actions: only what they carry as tool calls (an LLM's prompt text is no evidence of a touch)
    x.walk(source.inputs, 0, false, 'result');
    x.walk(source.outputs, 0, false, 'result');
  }
  return { entities: x.result(), cut: x.cut };
}

type Role = 'shell' | 'args' | 'result';

class Extraction {
  private readonly found = new Map<EntityType, Set<string>>(ENTITY_TYPES.map((t) => [t, new Set<string>()]));
  private strings = 0;
  private scanned = 0;
  cut = false;

  private readonly sinks: Sinks = {
    host: (v) => this.add('host', v),
    url: (v) => this.add('url', v),
    email: (v) => this.add('email', v),
    ip: (v) => this.add('ip', v),
    path: (v) => this.add('path', v),
  };

  add(type: EntityType, value: string): boolean {
    const set = this.found.get(type)!;
    if (value.length > ENTITY_LIMITS.maxValueLength) {
      this.cut = true;
      return true;
    }
    if (set.size >= ENTITY_LIMITS.maxValuesPerType) {
      if (!set.has(value)) this.cut = true;
      return false;
    }
    set.add(value);
    return true;
  }

  /** Free text: scanned for every pattern, within the entry's budget. */
  text(s: string): void {
    if (!this.take()) return;
    const room = ENTITY_LIMITS.maxScanChars - this.scanned;
    if (room <= 0) {
      this.cut = true;
      return;
    }
    const part = s.length > room ? s.slice(0, room) : s;
    if (part.length < s.length) this.cut = true;
    this.scanned += part.length;
    scanText(part, this.sinks);
  }

  hostValue(s: string): void {
    const ip = normalizeIp(s.trim());
    if (ip !== null) this.add('ip', ip);
    else {
      const host = normalizeHost(s);
      if (host !== null) this.add('host', host);
      else this.text(s);
    }
  }

  command(s: string): void {
    const command = s.trim();
    if (command === '') return;
    this.add('command', command.length > ENTITY_LIMITS.maxValueLength ? command.slice(0, ENTITY_LIMITS.maxValueLength) : command);
    if (command.length > ENTITY_LIMITS.maxValueLength) this.cut = true;
    this.text(command);
  }

  private take(): boolean {
    if (this.strings >= ENTITY_LIMITS.maxStrings) {
      this.cut = true;
      return false;
    }
    this.strings++;
    return true;
  }

  /**
   * `touched`: the value is what a tool was given or gave back (every
   * string counts); otherwise only the parts inside a tool call do.
   */
  walk(v: unknown, depth: number, touched: boolean, role: Role, key?: string): void {
    if (v === null || v === undefined) return;
    if (depth > ENTITY_LIMITS.maxDepth) {
      this.cut = true;
      return;
    }
    const k = key?.toLowerCase();
    if (typeof v === 'string') {
      if (!touched) return;
      if (role !== 'result' && k !== undefined && COMMAND_KEYS.has(k)) return this.command(v);
      // a bash tool's lone text input (`{"value": "ls -la"}`, `{"input": …}`) is its command
      if (role === 'shell' && depth <= 1 && k !== undefined && SHELL_INPUT_KEYS.has(k)) return this.command(v);
      if (k !== undefined && HOST_KEYS.has(k)) return this.hostValue(v);
      if (k !== undefined && PATH_KEYS.has(k) && isPathValue(v)) {
        this.add('path', v.trim());
        return;
      }
      // tool-call arguments often come as JSON text
      const parsed = depth > 0 ? jsonObjectOf(v) : undefined;
      if (parsed !== undefined) return this.walk(parsed, depth + 1, touched, role, key);
      return this.text(v);
    }
    if (typeof v !== 'object') return;
    if (Array.isArray(v)) {
      // argv: ["curl", "-s", "https://…"]
      if (touched && role !== 'result' && k !== undefined && COMMAND_KEYS.has(k) && v.every((a) => typeof a === 'string')) return this.command(v.join(' '));
      for (const item of v) this.walk(item, depth + 1, touched, role, key);
      return;
    }
    const obj = v as Record<string, unknown>;
    const isCall = !touched && typeof obj.type === 'string' && TOOL_CALL_TYPES.has(obj.type);
    for (const [childKey, child] of Object.entries(obj)) {
      const enter = touched || isCall || TOOL_CALL_KEYS.has(childKey.toLowerCase());
      // a tool call's arguments are what it was given; the rest of the call (its id, its name) is no evidence
      const childRole: Role = role === 'shell' ? role : ARGUMENT_KEYS.test(childKey) ? 'args' : touched ? role : 'result';
      this.walk(child, depth + 1, enter, childRole, childKey);
    }
  }

  result(): Entities {
    const out: Entities = {};
    for (const [type, set] of this.found) if (set.size > 0) out[type] = [...set];
    return out;
  }
}

function isPathValue(v: string): boolean {
  const s = v.trim();
  return s !== '' && s.length <= ENTITY_LIMITS.maxValueLength && !/[\u0000-\u001f]/.test(s) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

/** A JSON object or array held as text, else undefined (bounded: a payload's strings are at most 64 KiB by the collector's limits). */
function jsonObjectOf(s: string): unknown {
  const t = s.trimStart();
  if (!(t.startsWith('{') || t.startsWith('[')) || s.length > 1 << 16) return undefined;
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
