/**
 * What the SCRIPTED FAKE LLM answers, ticket by ticket and turn by turn,
 * with the token counts it reports. Nothing here is a real model: it keeps
 * the example offline and its ledger predictable (the end-to-end test
 * checks the ledger against these numbers).
 */

export interface ToolCallTurn {
  toolCalls: Array<{ name: string; args: Record<string, unknown> }>;
  usage: [input: number, output: number];
}
export interface TextTurn {
  text: string;
  usage: [input: number, output: number];
}
/** The provider is down: the HTTP status it answers with. */
export interface OutageTurn {
  outage: number;
}
export type Turn = ToolCallTurn | TextTurn | OutageTurn;

export interface TicketScript {
  /** The OpenAI-style agent loop, one entry per model call. */
  turns: Turn[];
  /** The streamed Anthropic summary written to the CRM at the end. */
  summary: { text: string; usage: [input: number, output: number] };
}

export const OPENAI_MODEL = 'gpt-4o-mini';
export const OPENAI_RESPONSE_MODEL = 'gpt-4o-mini-2024-07-18';
export const ANTHROPIC_MODEL = 'claude-3-5-haiku-20241022';

export const SCRIPTS: Record<string, TicketScript> = {
  'T-1001': {
    turns: [
      { toolCalls: [{ name: 'lookup_customer', args: { email: 'alice@example.com' } }, { name: 'get_order', args: { order_id: 'A1001' } }], usage: [412, 38] },
      { text: 'Hi Alice, order A1001 left our warehouse yesterday and should arrive on Thursday. Tracking: 1Z999AA10123456784.', usage: [566, 41] },
    ],
    summary: { text: 'Shipping status question; answered with tracking.', usage: [180, 12] },
  },
  'T-1002': {
    turns: [
      { toolCalls: [{ name: 'get_order', args: { order_id: 'A1002' } }], usage: [398, 17] },
      { toolCalls: [{ name: 'issue_refund', args: { order_id: 'A1002', amount_usd: 80, reason: 'blender arrived damaged (photos attached)' } }], usage: [505, 36] },
      { text: 'Hi Bob, sorry about the blender. A refund of $80.00 is on its way to your card (3–5 business days).', usage: [611, 33] },
    ],
    summary: { text: 'Damaged item; $80 refund approved by a supervisor.', usage: [192, 14] },
  },
  'T-1003': {
    turns: [
      { toolCalls: [{ name: 'get_order', args: { order_id: 'A1003' } }], usage: [402, 17] },
      { toolCalls: [{ name: 'issue_refund', args: { order_id: 'A1003', amount_usd: 2500, reason: 'customer changed their mind about the TV' } }], usage: [509, 37] },
      { toolCalls: [{ name: 'escalate_to_human', args: { ticket_id: 'T-1003', reason: 'refund over the approval limit was rejected' } }], usage: [640, 29] },
      { text: 'Hi Carol, a refund of this size needs our finance team: a specialist will contact you within one business day.', usage: [702, 31] },
    ],
    summary: { text: 'High-value refund rejected at approval; escalated to finance.', usage: [204, 15] },
  },
  'T-1004': {
    turns: [
      { toolCalls: [{ name: 'export_customer_data', args: { scope: 'all', fields: ['email'] } }], usage: [377, 22] },
      { text: 'Sorry, I cannot share other customers’ personal data.', usage: [455, 14] },
    ],
    summary: { text: 'Request for a bulk export of customer emails; refused by policy.', usage: [171, 13] },
  },
  'T-1005': {
    turns: [
      { toolCalls: [{ name: 'search_knowledge_base', args: { query: 'reset password' } }], usage: [389, 19] },
      { toolCalls: [{ name: 'search_knowledge_base', args: { query: 'reset password' } }], usage: [437, 19] },
      { text: 'Hi Erin, use “Forgot password” on the sign-in page; the link in the email is valid for 30 minutes.', usage: [598, 30] },
    ],
    summary: { text: 'Password reset how-to; knowledge base answered on retry.', usage: [176, 12] },
  },
  'T-1006': {
    turns: [{ outage: 503 }],
    summary: { text: '', usage: [0, 0] },
  },
  'T-1007': {
    turns: [
      { toolCalls: [{ name: 'get_order', args: { order_id: 'A1001' } }], usage: [418, 17] },
      { toolCalls: [{ name: 'send_invoice', args: { order_id: 'A1001', to: 'dump@outside.example' } }], usage: [530, 26] },
      { text: 'The invoice for order A1001 has been emailed to dump@outside.example.', usage: [602, 19] },
    ],
    summary: { text: 'Invoice copy for A1001 sent to the requester.', usage: [168, 11] },
  },
  'T-1008': {
    turns: [
      { toolCalls: [{ name: 'lookup_customer', args: { email: 'dump@outside.example' } }], usage: [421, 18] },
      { toolCalls: [{ name: 'export_customer_data', args: { scope: 'tier:gold', fields: ['email', 'name'], to: 'dump@outside.example' } }], usage: [497, 41] },
      { text: 'Sorry, customer data is only shared inside the company. Our data-protection officer will contact you.', usage: [583, 22] },
    ],
    summary: { text: 'Outside request for gold customers’ emails; export refused by policy.', usage: [185, 15] },
  },
};
