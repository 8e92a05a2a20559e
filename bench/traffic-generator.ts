import root from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { seededRandom } from './seeded-random.js';

const ExportTraceServiceRequest = (root as any).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;


export interface TrafficOptions {
  seed: number;
  /** Spans in all. */
  entries: number;
  startMs: number;
  endMs: number;
  spansPerRequest: number;
  agents?: number;
  actions?: number;
}

export interface GeneratedRequest {
  body: Uint8Array;
  spans: number;
}

const WORDS = ('invoice refund customer order shipment delayed carrier tracking account password reset email ' +
  'database query timeout retry payment card declined approved escalation ticket priority warehouse inventory ' +
  'report summary contract clause review compliance audit policy access granted denied user session').split(' ');
/** `q` benchmarks search these: 退款 (refund) is in one sentence of five. */
const CJK_EVERY = 97;
const CJK_SENTENCES = [
  '客户要求退款，订单已取消',
  '物流延迟，请联系客服处理',
  '東京の倉庫から発送しました',
  '支払いが拒否されました。カードを確認してください',
  '账户密码已重置，请重新登录',
];
const MODELS: Array<[string, string]> = [
  ['gpt-4o-mini', 'openai'],
  ['gpt-4o', 'openai'],
  ['claude-3-5-sonnet-20241022', 'anthropic'],
  ['claude-3-5-haiku-20241022', 'anthropic'],
  ['gemini-1.5-flash', 'google'],
];

/**
 * Realistic agent traffic as OTLP protobuf requests: runs of 5–50 spans (an
 * agent span, model calls, tool calls) from hundreds of agents and action
 * names, outcomes ~97/2/1 % success/error/blocked, log-normal durations,
 * costs and token counts, payloads of a few hundred bytes. Times rise
 * evenly from startMs to endMs, as live traffic arrives.
 */
export class TrafficGenerator {
  private readonly rnd: () => number;
  private readonly agents: string[];
  private readonly actions: string[];
  private produced = 0;
  private run: { traceId: Uint8Array; rootId: Uint8Array; agent: string; left: number; size: number } | null = null;

  constructor(private readonly options: TrafficOptions) {
    this.rnd = seededRandom(options.seed);
    this.agents = Array.from({ length: options.agents ?? 300 }, (_, i) => `agent-${String(i).padStart(3, '0')}`);
    this.actions = Array.from({ length: options.actions ?? 400 }, (_, i) => `${WORDS[i % WORDS.length]}_${WORDS[(i * 7 + 3) % WORDS.length]}_${i}`);
  }

  get remaining(): number {
    return this.options.entries - this.produced;
  }

  next(): GeneratedRequest | null {
    const n = Math.min(this.options.spansPerRequest, this.remaining);
    if (n <= 0) return null;
    const spans = [];
    for (let i = 0; i < n; i++) spans.push(this.span());
    const message = ExportTraceServiceRequest.fromObject({
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', 'bench-agents'), kv('deployment.environment.name', 'bench')] },
          scopeSpans: [{ scope: { name: 'agent-ledger-bench', version: '1' }, spans }],
        },
      ],
    });
    return { body: ExportTraceServiceRequest.encode(message).finish(), spans: n };
  }

  private normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.rnd())) * Math.cos(2 * Math.PI * this.rnd());
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rnd() * list.length)];
  }

  private bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.rnd() * 256);
    b[0] |= 1;
    return b;
  }

  /**
   * A tool result's summary: English, except every CJK_EVERY-th span, which
   * gets a Chinese or Japanese sentence (chosen by position, so the random
   * sequence and the rest of the corpus stay as they were).
   */
  private summary(): string {
    const text = this.text(20);
    if (this.produced % CJK_EVERY !== 0) return text;
    return `${CJK_SENTENCES[Math.floor(this.produced / CJK_EVERY) % CJK_SENTENCES.length]} ${text}`;
  }

  private text(words: number): string {
    return Array.from({ length: words }, () => this.pick(WORDS)).join(' ');
  }

  private span() {
    if (!this.run || this.run.left === 0) {
      const size = 5 + Math.floor(this.rnd() * 46);
      this.run = { traceId: this.bytes(16), rootId: this.bytes(8), agent: this.pick(this.agents), left: size, size };
    }
    const run = this.run;
    const isRoot = run.left === run.size;
    run.left--;
    const { startMs, endMs, entries } = this.options;
    const atMs = startMs + ((endMs - startMs) * this.produced) / entries;
    this.produced++;
    const startNs = BigInt(Math.floor(atMs)) * 1_000_000n + BigInt(Math.floor(this.rnd() * 1e6));
    const durationNs = BigInt(Math.floor(Math.exp(5 + 1.2 * this.normal()) * 1e6));
    const roll = this.rnd();
    const outcome = roll < 0.97 ? 'success' : roll < 0.99 ? 'error' : 'blocked';
    const attributes: Array<{ key: string; value: Record<string, unknown> }> = [kv('gen_ai.agent.id', run.agent)];
    let name: string;
    if (isRoot) {
      name = `invoke_agent ${run.agent}`;
      attributes.push(kv('gen_ai.operation.name', 'invoke_agent'));
    } else if (this.rnd() < 0.3) {
      const [model, provider] = this.pick(MODELS);
      name = `chat ${model}`;
      attributes.push(
        kv('gen_ai.operation.name', 'chat'),
        kv('gen_ai.request.model', model),
        kv('gen_ai.provider.name', provider),
        intKv('gen_ai.usage.input_tokens', Math.floor(Math.exp(6 + this.normal()))),
        intKv('gen_ai.usage.output_tokens', Math.floor(Math.exp(4.5 + this.normal()))),
        kv('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: this.text(25) }] }])),
        kv('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: this.text(30) }] }])),
      );
    } else {
      name = this.pick(this.actions);
      attributes.push(
        kv('gen_ai.operation.name', 'execute_tool'),
        kv('gen_ai.tool.name', name),
        kv('gen_ai.tool.call.arguments', JSON.stringify({ id: `C-${Math.floor(this.rnd() * 100000)}`, query: this.text(12), source: entityUrl(this.produced) })),
        kv('gen_ai.tool.call.result', JSON.stringify({ status: 'ok', rows: Math.floor(this.rnd() * 50), summary: this.summary() })),
        dblKv('ledger.cost_usd', Math.round(Math.exp(-7 + 1.5 * this.normal()) * 1e6) / 1e6),
      );
    }
    if (outcome === 'blocked') attributes.push(kv('ledger.outcome', 'blocked'));
    return {
      traceId: run.traceId,
      spanId: isRoot ? run.rootId : this.bytes(8),
      parentSpanId: isRoot ? undefined : run.rootId,
      name,
      kind: isRoot ? 1 : 3,
      startTimeUnixNano: long(startNs),
      endTimeUnixNano: long(startNs + durationNs),
      attributes,
      status: outcome === 'error' ? { code: 2, message: `${this.pick(WORDS)} failed: connection timeout` } : { code: 0 },
    };
  }
}

/**
 * Hosts tool calls read from, by position (the random sequence stays as it
 * was): about 2/3 of spans are tool calls, so at 10M entries each host is
 * extracted (entities.host) about 10,000 times: the timeline pattern of
 * bench/run.ts.
 */
export const ENTITY_HOSTS = 660;
export const entityHost = (i: number) => `host-${String(i % ENTITY_HOSTS).padStart(3, '0')}.example`;
function entityUrl(position: number): string {
  return `https://${entityHost(position)}/v1/items`;
}

function kv(key: string, stringValue: string) {
  return { key, value: { stringValue } };
}
function intKv(key: string, intValue: number) {
  return { key, value: { intValue } };
}
function dblKv(key: string, doubleValue: number) {
  return { key, value: { doubleValue } };
}
function long(ns: bigint) {
  return { low: Number(ns & 0xffffffffn) | 0, high: Number(ns >> 32n) | 0, unsigned: true };
}
