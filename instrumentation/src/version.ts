/** The instrumentation scope's version; kept by hand in step with package.json (NodeNext cannot import it from outside src/). */
export const VERSION = '0.1.0';

/** The instrumentation scope every span of this package is created under. */
export const SCOPE_NAME = '@agent-ledger/instrumentation';
