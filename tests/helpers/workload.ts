import { seededRandom } from '../../bench/seeded-random.js';
/** A small seeded agent workload as OTLP/JSON requests, with what was sent kept for independent checks. */

export interface SentSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  agent: string;
  outcome: 'success' | 'error' | 'blocked';
  costNanos: number;
  startNs: bigint;
  endNs: bigint;
  inputs: Record<string, unknown>;
}


const NAMES = ['database_query', 'send_email', 'web_search', 'read_file', '=SUM(A1:A9)', '+cmd', '-rm', '@import', '\ttabbed', 'quote "q", comma'];
const AGENTS = ['agent-a', 'agent-b', 'agent-c', 'agent-d'];

const hex = (rnd: () => number, chars: number) =>
  Array.from({ length: chars }, () => Math.floor(rnd() * 16).toString(16)).join('').replace(/^0/, '1');

/** Runs of 2–6 spans over a few days, start times in µs steps so hour edges fall inside the data. */
export function generateWorkload(seed: number, runs: number, startMs: number): { spans: SentSpan[]; requests: unknown[] } {
  const rnd = seededRandom(seed);
  const spans: SentSpan[] = [];
  for (let r = 0; r < runs; r++) {
    const traceId = hex(rnd, 32);
    const agent = AGENTS[Math.floor(rnd() * AGENTS.length)];
    const runStartNs = BigInt(startMs) * 1_000_000n + BigInt(Math.floor(rnd() * 4 * 86_400_000_000)) * 1000n;
    const size = 2 + Math.floor(rnd() * 5);
    const rootId = hex(rnd, 16);
    for (let i = 0; i < size; i++) {
      const startNs = runStartNs + BigInt(i) * 1_000_000n + BigInt(Math.floor(rnd() * 1000));
      const durationNs = BigInt(Math.floor(Math.exp(rnd() * 12) * 1000));
      const roll = rnd();
      spans.push({
        traceId,
        spanId: i === 0 ? rootId : hex(rnd, 16),
        parentSpanId: i === 0 ? null : rootId,
        name: i === 0 ? 'agent_run' : NAMES[Math.floor(rnd() * NAMES.length)],
        agent,
        outcome: roll < 0.8 ? 'success' : roll < 0.92 ? 'error' : 'blocked',
        // up to 5 cents, to the nano: sums over many spans check the stores keep every digit
        costNanos: Math.floor(rnd() * 50_000_000),
        startNs,
        endNs: startNs + durationNs,
        inputs: { n: r * 10 + i, note: rnd() < 0.3 ? '=HYPERLINK("http://x")' : `line1\nline2, "quoted"` },
      });
    }
  }
  const requests: unknown[] = [];
  for (let i = 0; i < spans.length; i += 50) requests.push(toRequest(spans.slice(i, i + 50)));
  return { spans, requests };
}

function toRequest(spans: SentSpan[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'workload' } }] },
        scopeSpans: [
          {
            scope: { name: 'workload' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: 1,
              startTimeUnixNano: s.startNs.toString(),
              endTimeUnixNano: s.endNs.toString(),
              attributes: [
                { key: 'gen_ai.agent.id', value: { stringValue: s.agent } },
                { key: 'ledger.cost_usd', value: { doubleValue: s.costNanos / 1e9 } },
                { key: 'ledger.inputs', value: { stringValue: JSON.stringify(s.inputs) } },
                ...(s.outcome === 'blocked' ? [{ key: 'ledger.outcome', value: { stringValue: 'blocked' } }] : []),
              ],
              status: s.outcome === 'error' ? { code: 2, message: `failed ${s.name}` } : { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}
