import { calcPrice } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_MODEL, OPENAI_RESPONSE_MODEL, SCRIPTS, type TextTurn, type ToolCallTurn } from '../../instrumentation/examples/support-agent/script.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { runSupportExample } from '../helpers/support-example.js';

/**
 * The instrumentation package end to end: the support-agent example (built,
 * run as its own process, as `npm run example` runs it) sends its spans to
 * a started server; the ledger must then hold exactly the actions it took.
 */
let server: ServerProcess;
let exampleOutput = '';
const runs = new Map<string, any>(); // ticket id → run detail with its actions

beforeAll(async () => {
  server = await startServerProcess();
  const example = await runSupportExample(server.otlpUrl);
  exampleOutput = example.output;
  expect(example.code, exampleOutput).toBe(0);
  const list = await server.get('/api/v1/runs?page_size=100');
  expect(list.status).toBe(200);
  for (const summary of list.body.data) {
    const detail = await server.get(`/api/v1/runs/${summary.id}`);
    const root = detail.body.actions.find((a: any) => a.parent_span_id === null);
    runs.set(root.inputs.ticket_id, detail.body);
  }
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const LLM = `chat gpt-4o-mini`;
const SUMMARY = `chat ${ANTHROPIC_MODEL}`;
const ROOT = 'invoke_agent support-agent';
const BILLING_ROOT = 'invoke_agent billing-agent';
const agentOf = (ticket: string) => (ticket === 'T-1007' ? 'billing-agent' : 'support-agent');

/** Every action of every run, in time order, with its outcome: what the agent did, nothing more. */
const EXPECTED: Record<string, Array<[string, string]>> = {
  'T-1001': [[ROOT, 'success'], [LLM, 'success'], ['lookup_customer', 'success'], ['get_order', 'success'], [LLM, 'success'], ['send_reply', 'success'], [SUMMARY, 'success']],
  'T-1002': [[ROOT, 'success'], [LLM, 'success'], ['get_order', 'success'], [LLM, 'success'], ['issue_refund', 'success'], [LLM, 'success'], ['send_reply', 'success'], [SUMMARY, 'success']],
  'T-1003': [[ROOT, 'success'], [LLM, 'success'], ['get_order', 'success'], [LLM, 'success'], ['issue_refund', 'blocked'], [LLM, 'success'], ['escalate_to_human', 'success'], [LLM, 'success'], ['send_reply', 'success'], [SUMMARY, 'success']],
  'T-1004': [[ROOT, 'success'], [LLM, 'success'], ['export_customer_data', 'blocked'], [LLM, 'success'], ['send_reply', 'success'], [SUMMARY, 'success']],
  'T-1005': [[ROOT, 'success'], [LLM, 'success'], ['search_knowledge_base', 'error'], [LLM, 'success'], ['search_knowledge_base', 'success'], [LLM, 'success'], ['send_reply', 'success'], [SUMMARY, 'success']],
  'T-1006': [[ROOT, 'error'], [LLM, 'error']],
  'T-1007': [[BILLING_ROOT, 'success'], [LLM, 'success'], ['get_order', 'success'], [LLM, 'success'], ['send_invoice', 'success'], [LLM, 'success'], ['send_reply', 'success'], [SUMMARY, 'success']],
  'T-1008': [[ROOT, 'success'], [LLM, 'success'], ['lookup_customer', 'success'], [LLM, 'success'], ['export_customer_data', 'blocked'], [LLM, 'success'], ['send_reply', 'success'], [SUMMARY, 'success']],
};

const actionsOf = (ticket: string, name: string) => runs.get(ticket).actions.filter((a: any) => a.name === name);
const one = (ticket: string, name: string) => {
  const found = actionsOf(ticket, name);
  expect(found, `${ticket} ${name}`).toHaveLength(1);
  return found[0];
};

describe('the support-agent example on the ledger', () => {
  it('ran every ticket: seven answered, one failed on the LLM outage', () => {
    expect(exampleOutput.match(/ done /g)).toHaveLength(7);
    expect(exampleOutput).toMatch(/T-1006\s+failed\s+503/);
  });

  it('holds exactly the actions it took: per run, names and outcomes in time order, and nothing else', async () => {
    expect([...runs.keys()].sort()).toEqual(Object.keys(EXPECTED));
    for (const [ticket, expected] of Object.entries(EXPECTED)) {
      const run = runs.get(ticket);
      expect(run.actions.map((a: any) => [a.name, a.outcome]), ticket).toEqual(expected);
      expect(run.status).toBe(ticket === 'T-1006' ? 'failed' : 'completed');
      for (const a of run.actions) {
        expect(a.agent_id).toBe(agentOf(ticket));
        expect(a.service_name).toBe('support-agent-example');
      }
    }
    const total = Object.values(EXPECTED).reduce((n, e) => n + e.length, 0);
    const ledger = await server.get('/api/v1/ledger?page_size=1000');
    expect(ledger.body.count).toBe(total);
    const stats = await server.get('/api/v1/ledger/stats');
    expect(stats.body).toMatchObject({ total_actions: total, blocked_count: 3, error_count: 3, success_count: total - 6, unique_agents: 2 });
  });

  it('records the tokens the model reported on every model call, priced from them', () => {
    for (const [ticket, script] of Object.entries(SCRIPTS)) {
      const turns = script.turns.filter((t): t is ToolCallTurn | TextTurn => 'usage' in t);
      const calls = actionsOf(ticket, LLM).filter((a: any) => a.outcome === 'success');
      expect(calls.map((a: any) => [a.input_tokens, a.output_tokens]), ticket).toEqual(turns.map((t) => t.usage));
      for (const call of calls) {
        expect(call).toMatchObject({ kind: 'llm', provider: 'openai', model: OPENAI_RESPONSE_MODEL });
        const price = calcPrice({ input_tokens: call.input_tokens, output_tokens: call.output_tokens }, OPENAI_RESPONSE_MODEL, { providerId: 'openai' });
        expect(call.cost_usd).toBeGreaterThan(0);
        expect(call.cost_usd).toBeCloseTo(Number(price?.total_price), 6);
      }
      if (ticket === 'T-1006') continue;
      const summary = one(ticket, SUMMARY);
      expect(summary).toMatchObject({ kind: 'llm', provider: 'anthropic', model: ANTHROPIC_MODEL, input_tokens: script.summary.usage[0], output_tokens: script.summary.usage[1] });
      expect(summary.cost_usd).toBeGreaterThan(0);
    }
  });

  it('records the cost each tool stated', () => {
    expect(one('T-1002', 'issue_refund').cost_usd).toBe(2.62); // $0.30 + 2.9 % of $80
    expect(one('T-1003', 'issue_refund').cost_usd).toBe(0); // blocked: nothing charged
    expect(actionsOf('T-1005', 'search_knowledge_base').map((a: any) => a.cost_usd)).toEqual([0, 0.0004]);
    for (const ticket of ['T-1001', 'T-1002', 'T-1003', 'T-1004', 'T-1005', 'T-1007', 'T-1008']) expect(one(ticket, 'send_reply').cost_usd).toBe(0.0001);
    expect(one('T-1007', 'send_invoice').cost_usd).toBe(0.0001);
    expect(one('T-1001', 'get_order').cost_usd).toBe(0);
    expect(runs.get('T-1002').total_cost_usd).toBeGreaterThan(2.62);
  });

  it('records the human approval of a refund, and its rejection as a blocked action', () => {
    const approved = one('T-1002', 'issue_refund');
    expect(approved.compliance_metadata).toEqual({
      requires_human_approval: true,
      approval_status: 'approved',
      human_in_the_loop_id: 'sup-017',
      // the server pseudonymises email addresses at ingest by default (README, Redaction)
      human_in_the_loop_email: expect.stringMatching(/^\[EMAIL:[0-9a-f]{16}\]$/),
      approval_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      approval_notes: 'Damage photos for A1002 verified',
      decision_rationale: 'blender arrived damaged (photos attached)',
      confidence_score: 0.87,
      alternative_actions_considered: ['store_credit', 'replacement'],
      policy_violations_checked: ['refund_limit', 'fraud_screen'],
    });
    expect(approved.inputs).toEqual({ order_id: 'A1002', amount_usd: 80, reason: 'blender arrived damaged (photos attached)' });
    expect(approved.outputs).toMatchObject({ refund_id: expect.stringMatching(/^RF-A1002-/), amount_usd: 80 });
    const timestamp = Date.parse(approved.compliance_metadata.approval_timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(Date.parse(approved.timestamp) - 1);
    expect(timestamp).toBeLessThanOrEqual(Date.parse(approved.end_timestamp) + 1);

    const rejected = one('T-1003', 'issue_refund');
    expect(rejected.compliance_metadata).toMatchObject({
      requires_human_approval: true,
      approval_status: 'rejected',
      human_in_the_loop_id: 'sup-017',
      approval_notes: 'Over the $500 single-approver limit: route to finance',
    });
    expect(rejected.status_message).toMatch(/approval rejected by sup-017/);
  });

  it('records policy blocks, errors and the data lineage of each action', () => {
    const exported = one('T-1004', 'export_customer_data');
    expect(exported.status_message).toBe('bulk export of personal data is not allowed (GDPR data minimisation)');
    const compliance = {
      policy_violations_checked: ['gdpr_data_minimisation', 'data_transfer'],
      decision_rationale: 'bulk exports of personal data need a data-protection ticket',
    };
    expect(exported.compliance_metadata).toEqual(compliance);
    // the export to an outside address (issue 20's walkthrough): the recipient is checked before the scope
    const outside = one('T-1008', 'export_customer_data');
    expect(outside.status_message).toBe('exports go only to shop.example addresses (data transfer policy)');
    expect(outside.compliance_metadata).toEqual(compliance);
    expect(outside.inputs).toEqual({ scope: 'tier:gold', fields: ['email', 'name'], to: expect.stringMatching(/^\[EMAIL:[0-9a-f]{16}\]$/) });
    const [failed] = actionsOf('T-1005', 'search_knowledge_base');
    expect(failed.status_message).toBe('knowledge base timeout after 2000 ms');
    expect(failed.outputs).toEqual({ error: 'knowledge base timeout after 2000 ms' });
    expect(one('T-1006', LLM).status_message).toMatch(/503/);
    expect(one('T-1001', 'get_order').compliance_metadata).toEqual({ input_data_sources: [{ source: 'orders-db', version: 'v3', table: 'orders' }] });
    expect(one('T-1001', 'send_reply').compliance_metadata.model_card).toEqual({
      name: 'gpt-4o-mini',
      version: '2024-07-18',
      provider: 'openai',
      system_prompt_hash: expect.stringMatching(/^sha256:[0-9a-f]{16}$/),
    });
    const root = runs.get('T-1002').actions[0];
    expect(root.kind).toBe('agent');
    expect(root.tags).toEqual(['support', 'priority:high']);
    expect(one('T-1002', 'issue_refund').tags).toEqual(['payments']);
  });
});
