import { nanosFromUsd } from '../../model/cost.js';
import { OUTCOMES, type Outcome } from '../../model/ledger-entry.js';
import { str, toStringList } from './attribute-readers.js';
import { readCompliance } from './compliance-metadata.js';
import type { ConventionMapper } from './convention-mapper.js';

/**
 * Our own `ledger.*` attributes (DESIGN.md, the table). They fill what no
 * convention names and, being written on purpose, beat every convention.
 */
export const ledgerAttributesMapper: ConventionMapper = {
  name: 'ledger',
  priority: 100,
  namespaces: ['ledger'],
  map({ span, payloads }) {
    const a = span.attributes;
    const outcome = str(a, 'ledger.outcome');
    return {
      outcome: outcome && (OUTCOMES as readonly string[]).includes(outcome) ? (outcome as Outcome) : null,
      costNanos: nanosFromUsd(a['ledger.cost_usd']),
      inputs: payloads.payload(a['ledger.inputs'], 'ledger.inputs'),
      outputs: payloads.payload(a['ledger.outputs'], 'ledger.outputs'),
      compliance: readCompliance(a, payloads),
      // Through the JSON reader so SDKs that cannot send arrays may send a JSON array string.
      tags: toStringList(payloads.json(a['ledger.tags'], 'ledger.tags')),
      details: { prompt_name: str(a, 'ledger.prompt.name') },
    };
  },
};
