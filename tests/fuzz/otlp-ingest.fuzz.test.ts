import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS, DecodeError } from '../../collector/otlp/decode-limits.js';
import { decodeTraces } from '../../collector/otlp/otlp-codec.js';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import { createPricing } from '../../collector/pricing/pricing.js';
import { redactSpans } from '../../collector/redact/index.js';
import { testRules } from '../helpers/redaction.js';
import { isoFromMicros } from '../../model/time.js';
import { everyReadAnswers } from '../helpers/read-routes.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { FIXTURES, fuzzRequest, type FuzzRequest } from './otlp-mutations.js';

/**
 * Property-based fuzzing of OTLP ingest (issue 14, item 10): mutated real
 * captures, in process through decode, redaction and normalisation (fast,
 * many runs), then over HTTP against the compiled server, after which every
 * read route must still answer. Bounded in time for the suite; FUZZ_LONG=1
 * runs each property for FUZZ_SECONDS (default 600) instead. A failure
 * prints fast-check's seed and path: rerun with FUZZ_SEED / FUZZ_PATH.
 * Run `npm run build` first.
 */

const LONG = process.env.FUZZ_LONG === '1';
const BUDGET_MS = LONG ? Number(process.env.FUZZ_SECONDS ?? 600) * 1000 : 12_000;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const PATH = process.env.FUZZ_PATH;
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: LONG ? 1_000_000 : numRuns,
  interruptAfterTimeLimit: BUDGET_MS,
  markInterruptAsFailure: false,
  ...(SEED !== undefined ? { seed: SEED } : {}),
  ...(PATH ? { path: PATH } : {}),
});
const TEST_TIMEOUT = BUDGET_MS + 60_000;

const limits = DEFAULT_DECODE_LIMITS;
const pricing = createPricing({});
const redaction = testRules();
const NS_PER_US = 1000n;

/** What the receiver does with a body, minus the queue: a DecodeError is its 400, anything else thrown its 500. */
function ingestInProcess(req: FuzzRequest, nowMs: number) {
  const body = req.gzip ? gunzipSync(req.body) : req.body;
  let decoded;
  try {
    decoded = decodeTraces(body, req.encoding, limits, nowMs);
  } catch (err) {
    if (err instanceof DecodeError || err instanceof RangeError) return null;
    throw err;
  }
  redactSpans(decoded.spans, redaction, 'fuzz');
  return { decoded, entries: normalizeRequest(decoded.spans, { organizationId: 'fuzz', userId: null, pricing, maxJsonDepth: limits.maxNestingDepth }) };
}

describe('OTLP ingest under mutated captures, in process', () => {
  it('starts from captures that decode whole', () => {
    expect(FIXTURES.length).toBeGreaterThan(10);
    for (const f of FIXTURES) {
      const out = ingestInProcess({ label: f.name, encoding: 'json', body: Buffer.from(JSON.stringify(f.json)), gzip: false }, Date.now());
      expect(out?.decoded.rejected, f.name).toEqual([]);
      expect(out?.entries.length, f.name).toBeGreaterThan(0);
    }
  });

  it(
    'never throws past decoding, and every entry it keeps is in the time window, capped and serialisable',
    () => {
      const nowMs = Date.now();
      const fromUs = (nowMs - limits.maxSpanAgeDays * 86_400_000) * 1000;
      const toUs = (nowMs + limits.maxFutureSkewSeconds * 1000) * 1000;
      const seen = { runs: 0, bad: 0, spans: 0, rejected: 0 };
      fc.assert(
        fc.property(fuzzRequest, (req) => {
          const out = ingestInProcess(req, nowMs);
          seen.runs++;
          if (!out) {
            seen.bad++;
            return;
          }
          seen.spans += out.entries.length;
          seen.rejected += out.decoded.rejected.length;
          expect(out.decoded.spans.length + out.decoded.rejected.length).toBe(out.decoded.total);
          for (const r of out.decoded.rejected) expect(r.reason.length).toBeLessThan(2048);
          for (const e of out.entries) {
            expect(e.start_us).toBeGreaterThanOrEqual(fromUs - 1);
            expect(e.end_us).toBeLessThanOrEqual(toUs + 1);
            expect(e.end_us).toBeGreaterThanOrEqual(e.start_us);
            expect(isoFromMicros(e.start_us)).toMatch(/^\d{4}-/);
            for (const f of [e.name, e.agent_id, e.model, e.provider, e.service_name, e.user_id, ...e.tags]) {
              if (f !== null) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(limits.maxNameBytes);
            }
            if (e.status_message !== null) expect(Buffer.byteLength(e.status_message)).toBeLessThanOrEqual(limits.maxAttributeValueBytes + 64);
            for (const k of Object.keys(e.attributes)) expect(Buffer.byteLength(k)).toBeLessThanOrEqual(limits.maxNameBytes);
            expect(Object.getPrototypeOf({}).polluted).toBeUndefined();
            JSON.stringify(e);
          }
        }),
        params(3000),
      );
      console.info(`OTLP fuzz in process: ${seen.runs} requests, ${seen.bad} undecodable (400), ${seen.spans} entries, ${seen.rejected} spans rejected`);
    },
    TEST_TIMEOUT,
  );
});

describe('OTLP ingest under mutated captures, over HTTP', () => {
  let server: ServerProcess;
  let peakRssMiB = 0;

  function rssMiB(): number {
    const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }

  beforeAll(async () => {
    // the reads at the end visit every route; a long run sends more than an hour's default ingest budget too
    server = await startServerProcess({ env: { AGENT_LEDGER_RATE_LIMITS_QUERY_PER_HOUR: '1000000', AGENT_LEDGER_RATE_LIMITS_INGEST_PER_HOUR: '100000000' } });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it(
    'answers every request 200, 400, 413 or (with Retry-After) 503, stays up and within memory, and every read still answers',
    async () => {
      let sent = 0;
      const statuses: Record<number, number> = {};
      await fc.assert(
        fc.asyncProperty(fuzzRequest, async (req) => {
          const headers: Record<string, string> = {
            'Content-Type': req.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
            ...server.auth,
          };
          if (req.gzip) headers['Content-Encoding'] = 'gzip';
          const res = await fetch(server.otlpUrl, { method: 'POST', body: new Uint8Array(req.body), headers });
          const text = await res.text();
          sent++;
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status === 503) expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
          else expect([200, 400, 413], `${res.status} ${text.slice(0, 300)}`).toContain(res.status);
          if (sent % 25 === 0) peakRssMiB = Math.max(peakRssMiB, rssMiB());
        }),
        params(600),
      );
      expect(server.child.exitCode).toBeNull();
      peakRssMiB = Math.max(peakRssMiB, rssMiB());
      console.info(`OTLP fuzz over HTTP: ${sent} requests, statuses ${JSON.stringify(statuses)}, server peak RSS ${Math.round(peakRssMiB)} MiB`);
      expect(peakRssMiB).toBeLessThan(1536);
      expect((await server.get('/healthz')).status).toBe(200);
      await everyReadAnswers(server);
      expect(server.logs.filter((l) => l.includes('"level":50') || l.includes('"level":60'))).toEqual([]);
    },
    TEST_TIMEOUT + 60_000,
  );
});
