import { trace, type Span } from '@opentelemetry/api';
import { annotate } from './action-state.js';
import type { ComplianceMetadata } from './compliance.js';
import { ApprovalRejectedError } from './errors.js';

/** A human's answer to an approval request (EU AI Act Article 14 oversight). */
export interface ApprovalDecision {
  approved: boolean;
  /** Defaults to `approved` / `rejected` from `approved`; `timeout` when nobody answered in time. */
  status?: 'approved' | 'rejected' | 'timeout';
  /** The approver's id (`human_in_the_loop_id`). */
  by?: string;
  /** The approver's email (`human_in_the_loop_email`). */
  email?: string;
  notes?: string;
  /** When the decision was taken; defaults to when it was received. */
  at?: Date | string;
}

/** The compliance fields a decision becomes on the action it gates. */
export function approvalCompliance(decision: ApprovalDecision, receivedAt = new Date()): ComplianceMetadata {
  const at = decision.at ?? receivedAt;
  return {
    requires_human_approval: true,
    approval_status: decision.status ?? (decision.approved ? 'approved' : 'rejected'),
    human_in_the_loop_id: decision.by,
    human_in_the_loop_email: decision.email,
    approval_timestamp: typeof at === 'string' ? at : at.toISOString(),
    approval_notes: decision.notes,
  };
}

/** Records a decision on the action (the active span, or the one given), with an event at its time. */
export function recordApproval(decision: ApprovalDecision, span: Span | undefined = trace.getActiveSpan()): ComplianceMetadata {
  const compliance = approvalCompliance(decision);
  if (span?.isRecording()) {
    annotate({ compliance }, span);
    span.addEvent('ledger.approval.decided', {
      'ledger.approval.status': compliance.approval_status!,
      ...(decision.by ? { 'ledger.approval.by': decision.by } : {}),
    });
  }
  return compliance;
}

/**
 * Asks for approval and records the request and the answer on the action in
 * progress. While waiting the action says `pending` (so a span cut short by
 * a crash still shows it was waiting); an approval that is not granted
 * throws ApprovalRejectedError, which the action's wrapper records as blocked.
 * What `decide` throws is passed on: the approval process failed, the action
 * did not run, and it is an error.
 */
export async function requireApproval(
  decide: () => ApprovalDecision | Promise<ApprovalDecision>,
  options: { action?: string; span?: Span } = {},
): Promise<ApprovalDecision> {
  const span = options.span ?? trace.getActiveSpan();
  if (span?.isRecording()) {
    annotate({ compliance: { requires_human_approval: true, approval_status: 'pending' } }, span);
    span.addEvent('ledger.approval.requested');
  }
  const decision = await decide();
  recordApproval(decision, span);
  const status = decision.status ?? (decision.approved ? 'approved' : 'rejected');
  if (!decision.approved || status !== 'approved') throw new ApprovalRejectedError(decision, options.action ?? 'action');
  return decision;
}
