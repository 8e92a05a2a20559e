/**
 * The support desk's systems, faked in memory: a CRM, an order database, a
 * knowledge base that times out once, a payment provider, an outbox (with
 * an invoice mailer), and
 * the supervisor who approves refunds (a scripted human). The agent reaches
 * them only through the instrumented tools in tools.ts.
 */
import type { ApprovalDecision } from '@agent-ledger/instrumentation';

export const customers: Record<string, { customer_id: string; name: string; tier: 'standard' | 'gold' }> = {
  'alice@example.com': { customer_id: 'C-001', name: 'Alice Martin', tier: 'gold' },
  'bob@example.com': { customer_id: 'C-002', name: 'Bob Chen', tier: 'standard' },
};

export const orders: Record<string, { order_id: string; item: string; total_usd: number; status: string }> = {
  A1001: { order_id: 'A1001', item: 'Trail running shoes', total_usd: 129, status: 'shipped' },
  A1002: { order_id: 'A1002', item: 'Countertop blender', total_usd: 80, status: 'delivered' },
  A1003: { order_id: 'A1003', item: '65" OLED TV', total_usd: 2500, status: 'delivered' },
};

let knowledgeBaseCalls = 0;
/** The vector store times out on its first query, as flaky dependencies do. */
export async function queryKnowledgeBase(query: string): Promise<Array<{ article: string; score: number }>> {
  knowledgeBaseCalls += 1;
  if (knowledgeBaseCalls === 1) throw new Error('knowledge base timeout after 2000 ms');
  return [{ article: `KB-112: How to ${query}`, score: 0.91 }];
}

let refundSeq = 0;
export async function chargeBack(orderId: string, amountUsd: number): Promise<{ refund_id: string; amount_usd: number }> {
  refundSeq += 1;
  return { refund_id: `RF-${orderId}-${refundSeq}`, amount_usd: amountUsd };
}

let messageSeq = 0;
export async function sendEmail(ticketId: string, body: string): Promise<{ message_id: string; chars: number }> {
  messageSeq += 1;
  return { message_id: `MSG-${ticketId}-${messageSeq}`, chars: body.length };
}

/** The invoice of an order, mailed where the caller says: nothing checks who asked (the gap T-1007 shows). */
export async function mailInvoice(orderId: string, to: string): Promise<{ message_id: string; order_id: string; to: string }> {
  if (!orders[orderId]) throw new Error(`order ${orderId} not found`);
  messageSeq += 1;
  return { message_id: `MSG-INV-${orderId}-${messageSeq}`, order_id: orderId, to };
}

/** The shop's own mail domain: the only place customer data may be sent in bulk. */
export const SHOP_DOMAIN = 'shop.example';

export const SUPERVISOR = { id: 'sup-017', email: 'maria.lopez@example.com' };

/** The supervisor's answers (SCRIPTED HUMAN): refunds up to $500 are approved, larger ones go to finance. */
export async function askSupervisor(args: { order_id: string; amount_usd: number }): Promise<ApprovalDecision> {
  return args.amount_usd <= 500
    ? { approved: true, by: SUPERVISOR.id, email: SUPERVISOR.email, notes: `Damage photos for ${args.order_id} verified` }
    : { approved: false, by: SUPERVISOR.id, email: SUPERVISOR.email, notes: 'Over the $500 single-approver limit: route to finance' };
}
