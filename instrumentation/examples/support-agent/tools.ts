import { createHash } from 'node:crypto';
import { tool } from '@agent-ledger/instrumentation';
import { askSupervisor, chargeBack, customers, mailInvoice, orders, queryKnowledgeBase, SHOP_DOMAIN, sendEmail } from './backends.js';
import { OPENAI_MODEL, OPENAI_RESPONSE_MODEL } from './script.js';

export const SYSTEM_PROMPT =
  'You are the support agent of an online shop. Use the tools to look things up; refunds need a supervisor; never disclose other customers’ data.';

/** Recorded on every reply, so an auditor can tell which model and prompt wrote it. */
const MODEL_CARD = {
  name: OPENAI_MODEL,
  version: OPENAI_RESPONSE_MODEL.slice(OPENAI_MODEL.length + 1),
  provider: 'openai',
  system_prompt_hash: `sha256:${createHash('sha256').update(SYSTEM_PROMPT).digest('hex').slice(0, 16)}`,
};

/** Fees of the payment provider: $0.30 + 2.9 % per refund. */
export const refundFeeUsd = (amountUsd: number) => Math.round((0.3 + amountUsd * 0.029) * 1e6) / 1e6;

export const tools = {
  lookup_customer: tool(
    'lookup_customer',
    async (args: { email: string }) => customers[args.email] ?? null,
    { description: 'Finds a customer by email', compliance: { input_data_sources: [{ source: 'crm', version: '2024.12', table: 'customers' }] } },
  ),

  get_order: tool(
    'get_order',
    async (args: { order_id: string }) => {
      const order = orders[args.order_id];
      if (!order) throw new Error(`order ${args.order_id} not found`);
      return order;
    },
    { description: 'Reads an order', compliance: { input_data_sources: [{ source: 'orders-db', version: 'v3', table: 'orders' }] } },
  ),

  search_knowledge_base: tool('search_knowledge_base', async (args: { query: string }) => queryKnowledgeBase(args.query), {
    description: 'Semantic search over help articles',
    // The vector store bills each answered query.
    costUsd: ({ outcome }) => (outcome === 'success' ? 0.0004 : 0),
    compliance: { input_data_sources: [{ source: 'help-center-vectors', version: '7' }] },
  }),

  issue_refund: tool(
    'issue_refund',
    async (args: { order_id: string; amount_usd: number; reason: string }) => chargeBack(args.order_id, args.amount_usd),
    {
      description: 'Refunds an order to the original payment method',
      tags: ['payments'],
      approval: askSupervisor,
      costUsd: ({ args, outcome }) => (outcome === 'success' ? refundFeeUsd(args[0].amount_usd) : 0),
      compliance: ({ args }) => ({
        decision_rationale: args[0].reason,
        confidence_score: 0.87,
        alternative_actions_considered: ['store_credit', 'replacement'],
        policy_violations_checked: ['refund_limit', 'fraud_screen'],
      }),
    },
  ),

  escalate_to_human: tool('escalate_to_human', async (args: { ticket_id: string; reason: string }) => ({ queue: 'finance', ticket_id: args.ticket_id }), {
    description: 'Hands the ticket to a human team',
  }),

  export_customer_data: tool('export_customer_data', async (args: { scope: string; fields: string[]; to?: string }) => ({ rows: 0, ...args }), {
    description: 'Exports customer records, to a colleague’s address when `to` is given',
    guard: (args) => {
      if (args.to !== undefined && !args.to.toLowerCase().endsWith(`@${SHOP_DOMAIN}`)) return `exports go only to ${SHOP_DOMAIN} addresses (data transfer policy)`;
      return args.scope === 'all' ? 'bulk export of personal data is not allowed (GDPR data minimisation)' : null;
    },
    compliance: {
      policy_violations_checked: ['gdpr_data_minimisation', 'data_transfer'],
      decision_rationale: 'bulk exports of personal data need a data-protection ticket',
    },
  }),

  send_invoice: tool('send_invoice', async (args: { order_id: string; to: string }) => mailInvoice(args.order_id, args.to), {
    description: 'Emails the invoice of an order',
    costUsd: 0.0001,
    compliance: { input_data_sources: [{ source: 'orders-db', version: 'v3', table: 'invoices' }] },
  }),

  send_reply: tool('send_reply', async (args: { ticket_id: string; to: string; body: string }) => sendEmail(args.ticket_id, args.body), {
    description: 'Emails the customer',
    costUsd: 0.0001,
    compliance: { model_card: MODEL_CARD },
  }),
};

export type ToolName = keyof typeof tools;

/** The JSON schemas the model sees (send_reply is the agent's own last step, not the model's choice). */
export const TOOL_DEFINITIONS = (Object.keys(tools) as ToolName[])
  .filter((name) => name !== 'send_reply')
  .map((name) => ({ type: 'function' as const, function: { name, parameters: { type: 'object', additionalProperties: true } } }));
