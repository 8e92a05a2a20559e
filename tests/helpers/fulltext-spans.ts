import type { FullTextDocument } from '../conformance/fulltext-cases.js';

/** Hex ids from a document's position: stable, distinct, never zero. */
const hexId = (n: number, chars: number) => (n + 1).toString(16).padStart(chars, '0');

/**
 * The documents as one OTLP/JSON request: one root span (its own run) per
 * document, its key in `ledger.tags`, payloads in `ledger.inputs` /
 * `ledger.outputs`, an ERROR status carrying `error`.
 */
export function fullTextRequest(documents: FullTextDocument[], baseMs: number, traceSalt = 0) {
  const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'fulltext-suite')] },
        scopeSpans: [
          {
            scope: { name: 'fulltext-suite' },
            spans: documents.map((d, i) => {
              const startNs = BigInt(baseMs + d.minute * 60_000) * 1_000_000n;
              return {
                traceId: hexId(traceSalt * 1000 + i, 32),
                spanId: hexId(i, 16),
                name: d.name,
                kind: 1,
                startTimeUnixNano: startNs.toString(),
                endTimeUnixNano: (startNs + 5_000_000n).toString(),
                attributes: [
                  str('gen_ai.agent.id', d.agent),
                  { key: 'ledger.tags', value: { arrayValue: { values: [{ stringValue: d.key }] } } },
                  ...(d.inputs ? [str('ledger.inputs', JSON.stringify(d.inputs))] : []),
                  ...(d.outputs ? [str('ledger.outputs', JSON.stringify(d.outputs))] : []),
                ],
                status: d.error ? { code: 2, message: d.error } : { code: 1 },
              };
            }),
          },
        ],
      },
    ],
  };
}
