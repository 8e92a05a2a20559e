export { LedgerAttributes, type LedgerOutcome } from './attributes.js';
