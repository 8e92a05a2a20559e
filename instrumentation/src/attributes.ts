/**
 * The `ledger.*` span attributes the collector reads (the table in the
 * project README). A contract with the server and with users' own code:
 * names are only ever added, never changed.
 */
export const LedgerAttributes = {
  /** `success` | `error` | `blocked`; overrides what the span status says. */
  OUTCOME: 'ledger.outcome',
  /** double, USD. */
  COST_USD: 'ledger.cost_usd',
  /** JSON string of an object. */
  INPUTS: 'ledger.inputs',
  /** JSON string of an object. */
  OUTPUTS: 'ledger.outputs',
  /** JSON string of a whole ComplianceMetadata. */
  COMPLIANCE: 'ledger.compliance',
  /** Prefix of single ComplianceMetadata fields: `ledger.compliance.<field>`. */
  COMPLIANCE_PREFIX: 'ledger.compliance.',
  /** string array. */
  TAGS: 'ledger.tags',
} as const;

export type LedgerOutcome = 'success' | 'error' | 'blocked';
