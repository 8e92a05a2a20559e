import { agentsConformanceSuite } from './agents-suite.js';
import { STORE_TARGETS } from './stores.js';

for (const target of STORE_TARGETS) agentsConformanceSuite(target);
