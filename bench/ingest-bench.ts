import { request as httpRequest, Agent } from 'node:http';
import { readFileSync } from 'node:fs';
import { readCorpus } from './corpus.js';

export interface IngestResult {
  spans: number;
  seconds: number;
  spansPerSecond: number;
  /** Rate over the last tenth of the run, when the store is nearly full size. */
  lastTenthSpansPerSecond: number;
  refusals: number;
  /** What the server process wrote to storage (Linux /proc/<pid>/io `write_bytes`), per span. */
  writeBytesPerSpan: number | null;
  /** The rate and bytes written over each tenth of the run: flat means the store does not slow with its size. */
  curve: Array<{ upToSpans: number; spansPerSecond: number; writeBytesPerSpan: number | null }>;
}

function serverWriteBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    return Number(/^write_bytes: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
  } catch {
    return null;
  }
}

function post(agent: Agent, url: URL, body: Buffer, auth: Record<string, string>): Promise<{ status: number; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length, ...auth } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 1) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Replays the corpus with `clients` concurrent senders; a 503/429 is retried after Retry-After, as OTLP exporters do. */
export async function runIngest(
  corpusFile: string,
  otlpUrl: string,
  auth: Record<string, string>,
  clients: number,
  total: number,
  serverPid?: number,
): Promise<IngestResult> {
  const url = new URL(otlpUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const source = readCorpus(corpusFile)[Symbol.asyncIterator]();
  let acked = 0;
  let refusals = 0;
  let tenthStart = 0;
  let tenthAcked = 0;
  const started = performance.now();
  const bytes0 = serverWriteBytes(serverPid);
  const curve: IngestResult['curve'] = [];
  let step = { spans: 0, at: started, bytes: bytes0 };
  const stepSpans = Math.max(1, Math.ceil(total / 10));
  const client = async () => {
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      const body = Buffer.from(next.value.body);
      for (;;) {
        const { status, retryAfter } = await post(agent, url, body, auth);
        if (status === 200) break;
        if (status !== 503 && status !== 429) throw new Error(`ingest answered ${status}`);
        refusals++;
        await new Promise((r) => setTimeout(r, Math.min(retryAfter * 1000, 200)));
      }
      acked += next.value.spans;
      if (acked - step.spans >= stepSpans) {
        const now = performance.now();
        const bytes = serverWriteBytes(serverPid);
        const n = acked - step.spans;
        curve.push({
          upToSpans: acked,
          spansPerSecond: n / ((now - step.at) / 1000),
          writeBytesPerSpan: bytes === null || step.bytes === null ? null : Math.round((bytes - step.bytes) / n),
        });
        step = { spans: acked, at: now, bytes };
      }
      if (!tenthStart && acked >= total * 0.9) {
        tenthStart = performance.now();
        tenthAcked = acked;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const ended = performance.now();
  agent.destroy();
  const seconds = (ended - started) / 1000;
  return {
    spans: acked,
    seconds,
    spansPerSecond: acked / seconds,
    lastTenthSpansPerSecond: tenthStart ? (acked - tenthAcked) / ((ended - tenthStart) / 1000) : acked / seconds,
    refusals,
    writeBytesPerSpan: bytes0 === null ? null : Math.round((serverWriteBytes(serverPid)! - bytes0) / acked),
    curve,
  };
}
