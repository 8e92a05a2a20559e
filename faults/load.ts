import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';

export interface Target {
  otlpUrl: string;
  auth: Record<string, string>;
}

interface Pending {
  n: number;
  spans: number;
  body: Buffer;
  ackedAt: number | null;
}

/** Longest wait between two attempts: OTLP exporters honour Retry-After; ours caps it so recovery is measured to the second. */
const MAX_BACKOFF_MS = 1_000;
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * OTLP/HTTP senders that behave as exporters do: a request answered 429 or
 * 503, or lost to a connection error, is sent again (the same body) after
 * Retry-After or a growing backoff, until it is acknowledged or the sender is
 * told to give up. Every span has a name of its own (`<prefix><request>.<i>`),
 * so the spans stored can be matched one by one against those acknowledged.
 */
export class Load {
  readonly prefix = `flt-${randomBytes(4).toString('hex')}-`;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly requests: Pending[] = [];
  private readonly tasks = new Set<Promise<void>>();
  private stopping = false;
  private abandoning = false;
  /** 429/503 answers and connection errors, one per attempt. */
  refused = 0;
  /** Other answers (400, 500, ...): an exporter drops such a request; none is expected. */
  failed = 0;
  readonly failures = new Map<string, number>();
  /** Requests an open-loop source could not hand to a sender because its queue was full (never sent). */
  droppedBySender = 0;

  constructor(
    private readonly target: () => Target,
    private readonly spansPerRequest: number,
  ) {}

  /** `senders` closed-loop senders, each sending up to `perSecond` requests a second (Infinity: back to back), until stop(). */
  steady(senders: number, perSecond: number): void {
    for (let s = 0; s < senders; s++) {
      this.track(
        (async () => {
          let next = performance.now();
          while (!this.stopping) {
            await this.deliver(this.create());
            next += 1000 / perSecond;
            const wait = next - performance.now();
            if (wait > 0) await sleep(wait);
            else next = performance.now();
          }
        })(),
      );
    }
  }

  /**
   * Open loop: `perSecond` new requests a second for `ms`, whatever the
   * answers, each delivered (with retries) by a sender of its own, at most
   * `maxQueued` at once, as an exporter's bounded queue drops what it cannot hold.
   */
  async openLoop(perSecond: number, ms: number, maxQueued: number): Promise<void> {
    const started = performance.now();
    let made = 0;
    let inFlight = 0;
    while (performance.now() - started < ms && !this.stopping) {
      const due = Math.floor(((performance.now() - started) / 1000) * perSecond);
      for (; made < due; made++) {
        if (inFlight >= maxQueued) {
          this.droppedBySender++;
          continue;
        }
        inFlight++;
        this.track(this.deliver(this.create()).finally(() => inFlight--));
      }
      await sleep(5);
    }
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  private create(): Pending {
    const n = this.requests.length;
    const now = BigInt(Date.now()) * 1_000_000n;
    const traceId = randomBytes(16).toString('hex');
    const spans = Array.from({ length: this.spansPerRequest }, (_, i) => ({
      traceId,
      spanId: (BigInt(n) * 65_536n + BigInt(i) + 1n).toString(16).padStart(16, '0'),
      name: `${this.prefix}${n}.${i}`,
      startTimeUnixNano: String(now + BigInt(i)),
      endTimeUnixNano: String(now + BigInt(i) + 1_000_000n),
      attributes: [{ key: 'ledger.inputs', value: { stringValue: `{"request":${n},"span":${i}}` } }],
    }));
    const body = Buffer.from(
      JSON.stringify({
        resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'faults' } }] }, scopeSpans: [{ scope: { name: 'faults' }, spans }] }],
      }),
    );
    const pending: Pending = { n, spans: this.spansPerRequest, body, ackedAt: null };
    this.requests.push(pending);
    return pending;
  }

  private async deliver(req: Pending): Promise<void> {
    let backoff = 100;
    while (!this.abandoning) {
      const { status, retryAfter } = await this.post(req.body);
      if (status === 200) {
        req.ackedAt = performance.now();
        return;
      }
      if (status === 0 || status === 429 || status === 503) {
        this.refused++;
        await sleep(retryAfter !== null ? Math.min(retryAfter * 1000, MAX_BACKOFF_MS) : backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        continue;
      }
      this.failed++;
      this.failures.set(String(status), (this.failures.get(String(status)) ?? 0) + 1);
      return;
    }
  }

  private post(body: Buffer): Promise<{ status: number; retryAfter: number | null }> {
    const { otlpUrl, auth } = this.target();
    return new Promise((resolve) => {
      const req = httpRequest(
        otlpUrl,
        { method: 'POST', agent: this.agent, timeout: REQUEST_TIMEOUT_MS, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length, ...auth } },
        (res) => {
          res.resume();
          const header = res.headers['retry-after'];
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: header === undefined ? null : Number(header) }));
          res.on('error', () => resolve({ status: 0, retryAfter: null }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve({ status: 0, retryAfter: null }));
      req.end(body);
    });
  }

  /** Stops making requests; those under way keep retrying for up to `graceMs`, then are given up (never acknowledged). */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const timer = setTimeout(() => (this.abandoning = true), graceMs);
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    clearTimeout(timer);
    this.agent.destroy();
  }

  get sentSpans(): number {
    return this.requests.reduce((n, r) => n + r.spans, 0);
  }

  /** Names of the spans acknowledged (before `before`, a performance.now() time, when given). */
  ackedNames(before = Infinity): string[] {
    const names: string[] = [];
    for (const r of this.requests) {
      if (r.ackedAt === null || r.ackedAt >= before) continue;
      for (let i = 0; i < r.spans; i++) names.push(`${this.prefix}${r.n}.${i}`);
    }
    return names;
  }

  /** The first acknowledgement at or after `t` (performance.now() time), or null. */
  firstAckAfter(t: number): number | null {
    let first: number | null = null;
    for (const r of this.requests) if (r.ackedAt !== null && r.ackedAt >= t && (first === null || r.ackedAt < first)) first = r.ackedAt;
    return first;
  }

  /** Spans acknowledged per second between two performance.now() times. */
  ackRate(from: number, to: number): number {
    let spans = 0;
    for (const r of this.requests) if (r.ackedAt !== null && r.ackedAt >= from && r.ackedAt < to) spans += r.spans;
    return spans / ((to - from) / 1000);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
