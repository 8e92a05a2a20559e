import { logJoinSuite } from './log-join-cases.js';
import { conformanceSuite } from './suite.js';
import { STORE_TARGETS } from './stores.js';

/** Every store, reachable or reported as skipped with the reason (stores.ts). */
for (const target of STORE_TARGETS) {
  conformanceSuite(target);
  logJoinSuite(target);
}
