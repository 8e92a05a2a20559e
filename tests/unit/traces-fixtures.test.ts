import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { runIdFromTraceId } from '../../model/ids.js';
import { traceDetailOf } from '../../query-api/traces/trace-detail.js';
import { traceSummaryOf } from '../../query-api/traces/trace-summary.js';
import type { TraceDetail, TraceSummary } from '../../query-api/traces/trace-types.js';
import { decodeFixture, fixtureFiles, normalizeContext } from '../helpers/normalize-spans.js';
import { usdFromNanos } from '../../model/cost.js';

/**
 * Each fixture folder goes the way the receiver takes it (one request a
 * file: decode, normalise, write to an inline SQLite store), then the run is
 * read back and mapped: these tests see exactly what the routes would.
 */
const SCOPE = { organization_id: 'org_test' };
const FOLDERS = ['otel-genai', 'openinference', 'openllmetry', 'langfuse'] as const;
type Folder = (typeof FOLDERS)[number];

let dir: string;
let store: SqliteStore;
const traces = new Map<Folder, { summary: TraceSummary; detail: TraceDetail; entries: EntryRecord[] }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'traces-unit-'));
  store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
  for (const folder of FOLDERS) {
    const entries: EntryRecord[] = [];
    for (const file of fixtureFiles(folder)) {
      const batch = normalizeRequest(decodeFixture(folder, file), normalizeContext());
      await store.ledger.write(batch);
      entries.push(...batch);
    }
    const runId = entries[0].run_id;
    const detail = await store.ledger.getRun(SCOPE, runId);
    const page = await store.ledger.listRuns({ scope: SCOPE, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 100 });
    const run = page.data.find((r) => r.id === runId)!;
    traces.set(folder, { summary: traceSummaryOf(run), detail: traceDetailOf(detail!), entries });
  }
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (folder: Folder) => traces.get(folder)!;

const SUMMARY_KEYS = [
  'traceId', 'promptName', 'status', 'tags', 'inputTokens', 'outputTokens', 'totalTokens', 'cost', 'duration', 'modelConfig', 'createdAt',
].sort();
const DETAIL_KEYS = [
  'traceId', 'promptName', 'messages', 'output', 'inputTokens', 'outputTokens', 'totalTokens', 'cost', 'costCurrency', 'duration',
  'modelConfig', 'tools', 'toolChoice', 'status', 'tags', 'metadata', 'createdAt', 'timestamp',
].sort();

const sum = (entries: EntryRecord[], f: (e: EntryRecord) => number | null) => entries.reduce((s, e) => s + (f(e) ?? 0), 0);

const LOOKUP_ORDER_SCHEMA = {
  type: 'object',
  properties: { customer_id: { type: 'string' }, include_history: { type: 'boolean' } },
  required: ['customer_id'],
};
const ORDER_RESULT = '{"order_id":"O-88231","status":"shipped","shipped_at":"2026-11-20","customer_id":"C-1042"}';
const LOOKUP_CALL = { id: 'call_7f3a', name: 'lookup_order', args: { customer_id: 'C-1042', include_history: true } };
const SHIPPED = 'The order for customer C-1042 shipped on 2026-11-20; tracking number 1Z999AA10123456784.';

describe.each(FOLDERS)('trace of the %s fixture', (folder) => {
  it('has exactly the seed fields, in both shapes', () => {
    const { summary, detail } = get(folder);
    expect(Object.keys(summary).sort()).toEqual(SUMMARY_KEYS);
    expect(Object.keys(detail).sort()).toEqual(DETAIL_KEYS);
    expect(Object.keys(detail.output).sort()).toEqual(['message', 'success']);
    for (const tool of detail.tools) expect(Object.keys(tool).sort()).toEqual(['description', 'metadata', 'name', 'parameters']);
  });

  it('sums tokens and cost over every span, and the summary agrees with the detail', () => {
    const { summary, detail, entries } = get(folder);
    expect(detail.inputTokens).toBe(sum(entries, (e) => e.input_tokens));
    expect(detail.outputTokens).toBe(sum(entries, (e) => e.output_tokens));
    expect(detail.totalTokens).toBe(sum(entries, (e) => e.total_tokens));
    expect(detail.cost).toBe(usdFromNanos(sum(entries, (e) => e.cost_nanos)));
    expect(detail.cost).toBeGreaterThan(0);
    expect(detail.costCurrency).toBe('USD');
    for (const key of SUMMARY_KEYS) expect(summary[key as keyof TraceSummary]).toEqual(detail[key as keyof TraceDetail]);
  });

  it('times the trace from its first span start to its last span end', () => {
    const { detail, entries } = get(folder);
    const start = Math.min(...entries.map((e) => e.start_us));
    const end = Math.max(...entries.map((e) => e.end_us));
    expect(detail.duration).toBeCloseTo((end - start) / 1000, 6);
    expect(detail.timestamp).toBe(Math.floor(start / 1000));
    expect(Date.parse(detail.createdAt)).toBe(detail.timestamp);
    expect(detail.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it('is the completed trace of its root span, with a 32-hex id', () => {
    const { detail, entries } = get(folder);
    expect(detail.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(runIdFromTraceId(detail.traceId)).toBe(entries[0].run_id);
    expect(detail.status).toBe('completed');
    expect(detail.output.success).toBe(true);
    expect(detail.tags).toEqual([]);
    expect(detail.toolChoice).toBeNull();
    expect(detail.metadata).toMatchObject({ run_id: entries[0].run_id, service_name: 'support-agent', action_count: entries.length });
  });
});

describe('OTel GenAI instrumentation (content goes to logs: only the tool span shows in messages)', () => {
  it('shows the tool call and its result from the tool span', () => {
    expect(get('otel-genai').detail.messages).toEqual([
      { role: 'assistant', content: null, tool_calls: [LOOKUP_CALL] },
      { role: 'tool', content: ORDER_RESULT, tool_call_id: 'call_7f3a' },
    ]);
  });

  it('has no final text, and lists the tool that ran without a definition', () => {
    const { detail } = get('otel-genai');
    expect(detail.output).toEqual({ message: null, success: true });
    expect(detail.tools).toEqual([{ name: 'lookup_order', description: null, parameters: null, metadata: {} }]);
  });

  it('takes the model config of the first model call and names the trace by its root', () => {
    const { detail } = get('otel-genai');
    expect(detail.promptName).toBe('invoke_agent support-agent');
    expect(detail.modelConfig).toEqual({ model: 'gpt-4o-mini-2024-07-18', provider: 'openai', temperature: 0.2, max_tokens: 300 });
    expect(detail.metadata).toEqual({
      run_id: get('otel-genai').entries[0].run_id,
      agent_id: 'agt_support_01',
      agent_name: 'support-agent',
      service_name: 'support-agent',
      action_count: 6,
    });
  });
});

describe.each(['openinference', 'openllmetry'] as const)('%s: the whole conversation', (folder) => {
  it('merges the model calls into one transcript without repeating the resent history', () => {
    expect(get(folder).detail.messages).toEqual([
      { role: 'system', content: 'You are a support agent.' },
      { role: 'user', content: 'Where is the order of customer C-1042?' },
      { role: 'assistant', content: null, tool_calls: [LOOKUP_CALL] },
      { role: 'tool', content: ORDER_RESULT, tool_call_id: 'call_7f3a' },
      { role: 'assistant', content: SHIPPED },
      { role: 'user', content: 'Approve the refund for order #88231.' },
      { role: 'assistant', content: 'Refund approved for order #88231.' },
    ]);
  });

  it('answers with the last assistant text, the root having recorded none', () => {
    expect(get(folder).detail.output).toEqual({ message: 'Refund approved for order #88231.', success: true });
  });

  it('lists the offered tool with its description and JSON schema', () => {
    expect(get(folder).detail.tools).toEqual([
      { name: 'lookup_order', description: 'Find a customer order', parameters: LOOKUP_ORDER_SCHEMA, metadata: {} },
    ]);
  });

  it('has the first call model config', () => {
    expect(get(folder).detail.modelConfig).toEqual({
      model: 'gpt-4o-mini-2024-07-18',
      provider: 'openai',
      temperature: 0.2,
      max_tokens: 300,
    });
    expect(get(folder).detail.promptName).toBe('invoke_agent support-agent');
  });
});

describe('Langfuse', () => {
  it('shows the generation and the tool observation; the tool span id pairs call and result', () => {
    expect(get('langfuse').detail.messages).toEqual([
      { role: 'user', content: 'Where is the order of customer C-1042?' },
      { role: 'assistant', content: 'Let me check.' },
      { role: 'assistant', content: null, tool_calls: [{ id: '0a98a8f2366bbbd8', name: 'lookup_order', args: { customer_id: 'C-1042' } }] },
      { role: 'tool', content: ORDER_RESULT, tool_call_id: '0a98a8f2366bbbd8' },
    ]);
  });

  it('answers with the root observation output, and stays a success despite the blocked guardrail', () => {
    expect(get('langfuse').detail.output).toEqual({ message: '{"answer":"Shipped on 2026-11-20"}', success: true });
    expect(get('langfuse').entries.some((e) => e.outcome === 'blocked')).toBe(true);
  });

  it('keeps the root observation metadata, the model parameters and Langfuse cost', () => {
    const { detail, entries } = get('langfuse');
    expect(detail.metadata).toEqual({
      tenant: 'acme',
      run_id: entries[0].run_id,
      agent_id: 'support-agent',
      service_name: 'support-agent',
      action_count: 4,
    });
    expect(detail.modelConfig).toEqual({ model: 'gpt-4o-mini', provider: null, temperature: 0.2 });
    // langfuse.observation.cost_details total 0.0000193, kept exactly as integer nano-USD (micro-USD read back 0.000019).
    expect(detail.cost).toBe(0.0000193);
    expect(detail.promptName).toBe('support-agent');
    expect(detail.tools).toEqual([{ name: 'lookup_order', description: null, parameters: null, metadata: {} }]);
  });
});
