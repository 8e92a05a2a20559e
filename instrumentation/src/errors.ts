import type { ApprovalDecision } from './approval.js';

/**
 * An action that was stopped on purpose (a policy, a guardrail, a rejected
 * approval), not one that failed: its span gets `ledger.outcome=blocked`.
 * Thrown, so the caller learns the action did not happen.
 */
export class BlockedError extends Error {
  readonly reason: string;
  /** Who or what blocked it: a policy name, `guard`, `approval`. */
  readonly blockedBy?: string;

  constructor(reason: string, options: { blockedBy?: string; cause?: unknown } = {}) {
    super(reason, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BlockedError';
    this.reason = reason;
    this.blockedBy = options.blockedBy;
  }
}

/** A human (or an approval process) said no, or did not answer in time. */
export class ApprovalRejectedError extends BlockedError {
  readonly decision: ApprovalDecision;

  constructor(decision: ApprovalDecision, action: string) {
    const status = decision.status ?? (decision.approved ? 'approved' : 'rejected');
    const who = decision.by ?? decision.email;
    super(`${action}: approval ${status}${who ? ` by ${who}` : ''}${decision.notes ? `: ${decision.notes}` : ''}`, {
      blockedBy: 'approval',
    });
    this.name = 'ApprovalRejectedError';
    this.decision = decision;
  }
}

/** Stops the current action as blocked: `if (tooRisky) blocked('refund over the limit')`. */
export function blocked(reason: string, blockedBy?: string): never {
  throw new BlockedError(reason, { blockedBy });
}

export function isBlockedError(err: unknown): err is BlockedError {
  return err instanceof BlockedError || (err instanceof Error && err.name === 'BlockedError');
}
