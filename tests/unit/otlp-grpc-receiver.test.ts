import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRetryStatus, encodeRetryStatus } from '../../collector/otlp/otlp-codec.js';
import type { ExportHandler } from '../../collector/receiver/otlp-export.js';
import { createOtlpGrpcReceiver, GRPC_TRACE_EXPORT, type OtlpGrpcReceiver } from '../../collector/receiver/otlp-grpc-receiver.js';
import { createRequestLog, type RequestLogLine } from '../../observability/request-log.js';
import { grpcExport } from '../helpers/grpc-client.js';
import { freePort } from '../helpers/server-process.js';

const receivers: OtlpGrpcReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function start(handler: ExportHandler, more: { shutdownTimeoutMs?: number; lines?: RequestLogLine[] } = {}) {
  const receiver = createOtlpGrpcReceiver({
    host: '127.0.0.1',
    port: await freePort(),
    services: [{ path: GRPC_TRACE_EXPORT, handler }],
    maxMessageBytes: 1024,
    credentialHeader: 'X-API-Key',
    logger: pino({ level: 'silent' }),
    shutdownTimeoutMs: more.shutdownTimeoutMs,
    requestLog: more.lines ? (line) => more.lines!.push(line) : undefined,
  });
  await receiver.start();
  receivers.push(receiver);
  return { receiver, address: `127.0.0.1:${receiver.port()}` };
}

describe('the OTLP/gRPC receiver', () => {
  it('hands the handler the credential from authorization or the configured key header (matched in lower case)', async () => {
    const seen: Array<string | null> = [];
    const { address } = await start(async (request) => {
      seen.push(request.credential);
      return { ok: true, response: new Uint8Array() };
    });
    await grpcExport(address, Buffer.alloc(0), { authorization: 'Bearer k1' });
    await grpcExport(address, Buffer.alloc(0), { 'x-api-key': 'k2' });
    await grpcExport(address, Buffer.alloc(0), { 'x-api-key': 'k3', authorization: 'k4' });
    await grpcExport(address, Buffer.alloc(0), {});
    expect(seen).toEqual(['k1', 'k2', 'k4', null]);
  });

  it('answers INTERNAL when the handler throws, and logs the call as a server fault', async () => {
    const lines: RequestLogLine[] = [];
    const { address } = await start(async () => {
      throw new Error('boom');
    }, { lines });
    const answer = await grpcExport(address, Buffer.from('x'), {});
    expect(answer.err?.code).toBe(grpc.status.INTERNAL);
    expect(answer.err?.details).toBe('internal error');
    expect(lines).toEqual([expect.objectContaining({ grpc_status: 'INTERNAL', route: GRPC_TRACE_EXPORT, status: 200 })]);
  });

  it('answers and logs RESOURCE_EXHAUSTED for a message over the limit, which grpc-js refuses itself', async () => {
    const lines: RequestLogLine[] = [];
    let read = false;
    const { address } = await start(async (request) => {
      await request.readBody();
      read = true;
      return { ok: true, response: new Uint8Array() };
    }, { lines });
    const answer = await grpcExport(address, Buffer.alloc(2048), {});
    expect(answer.err?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(read).toBe(false);
    expect(lines.map((l) => l.grpc_status)).toEqual(['RESOURCE_EXHAUSTED']);
  });

  it('reads the message only once the handler asks for it: a refused sender never gets its message read', async () => {
    const { address } = await start(async () => ({ ok: false, refusal: { code: grpc.status.UNAUTHENTICATED, message: 'no key' } }));
    // over maxMessageBytes: had it been read, grpc-js would have answered RESOURCE_EXHAUSTED
    const answer = await grpcExport(address, Buffer.alloc(4096), {});
    expect(answer.err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(answer.err?.details).toBe('no key');
  });

  it('refuses a call carrying two messages, or none, as INVALID_ARGUMENT', async () => {
    const { address } = await start(async (request) => {
      const body = await request.readBody().catch((err: Error) => err);
      if (body instanceof Error) return { ok: false, refusal: { code: grpc.status.INVALID_ARGUMENT, message: body.message } };
      return { ok: true, response: new Uint8Array() };
    });
    const stream = (messages: Buffer[]) =>
      new Promise<grpc.ServiceError | null>((resolve) => {
        const client = new grpc.Client(address, grpc.credentials.createInsecure());
        const bytes = (b: Buffer) => b;
        const call = client.makeClientStreamRequest(GRPC_TRACE_EXPORT, bytes, bytes, new grpc.Metadata(), {}, (err) => {
          client.close();
          resolve(err ?? null);
        });
        for (const m of messages) call.write(m);
        call.end();
      });
    expect((await stream([Buffer.from('a'), Buffer.from('b')]))?.details).toMatch(/one message/);
    expect((await stream([]))?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(await stream([Buffer.from('a')])).toBeNull();
  });

  it('closes within its bound when a call never finishes, then is no longer ready', async () => {
    const { receiver, address } = await start(() => new Promise(() => {}), { shutdownTimeoutMs: 300 });
    receiver.ready();
    const pending = grpcExport(address, Buffer.from('x'), {});
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await receiver.close();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await pending).err?.code).toBeDefined();
    expect(() => receiver.ready()).toThrow(/shutting down/);
  });

  it('lets a call in progress finish when closed gracefully', async () => {
    let release!: () => void;
    const { receiver, address } = await start(
      () =>
        new Promise((resolve) => {
          release = () => resolve({ ok: true, response: new Uint8Array([1, 2]) });
        }),
      { shutdownTimeoutMs: 5000 },
    );
    const pending = grpcExport(address, Buffer.from('x'), {});
    await new Promise((r) => setTimeout(r, 100));
    const closed = receiver.close();
    release();
    await closed;
    const answer = await pending;
    expect(answer.err).toBeNull();
    expect([...answer.response!]).toEqual([1, 2]);
  });

  it('refuses to start on a port in use, naming the address', async () => {
    const { receiver } = await start(async () => ({ ok: true, response: new Uint8Array() }));
    const second = createOtlpGrpcReceiver({
      host: '127.0.0.1',
      port: receiver.port(),
      services: [],
      maxMessageBytes: 1024,
      credentialHeader: 'x-api-key',
      logger: pino({ level: 'silent' }),
    });
    await expect(second.start()).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${receiver.port()}.*EADDRINUSE`));
  });
});

describe('google.rpc.RetryInfo in grpc-status-details-bin', () => {
  it('round-trips the code, message and a whole-second delay (rounded up)', () => {
    expect(decodeRetryStatus(encodeRetryStatus(14, 'queue full', 2.2))).toEqual({ code: 14, message: 'queue full', retryDelaySeconds: 3 });
  });
});

describe('request log sampling', () => {
  it('always logs gRPC server faults, like 5xx, and samples the rest', () => {
    const logged: string[] = [];
    const log = createRequestLog({ info: (line: RequestLogLine) => logged.push(line.grpc_status ?? String(line.status)) } as never, 0, () => 0.99);
    const base = { method: 'POST', route: GRPC_TRACE_EXPORT, status: 200, duration_ms: 1, bytes_in: 0, bytes_out: 0, credential: null, organization: null };
    for (const grpc_status of ['OK', 'UNAUTHENTICATED', 'UNAVAILABLE', 'INTERNAL', 'RESOURCE_EXHAUSTED']) log({ ...base, grpc_status });
    log({ ...base, status: 503 });
    expect(logged).toEqual(['UNAVAILABLE', 'INTERNAL', '503']);
  });
});
