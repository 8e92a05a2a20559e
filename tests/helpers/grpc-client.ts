import * as grpc from '@grpc/grpc-js';
import { GRPC_TRACE_EXPORT } from '../../collector/receiver/otlp-grpc-receiver.js';

export interface GrpcAnswer {
  err: grpc.ServiceError | null;
  response?: Buffer;
}

/**
 * One TraceService/Export call with bytes of our choosing, through a raw
 * grpc-js client (the official exporter only sends well-formed messages).
 * `options` are channel options, e.g. { 'grpc.default_compression_algorithm': 2 } for gzip.
 */
export function grpcExport(address: string, body: Buffer, headers: Record<string, string>, options: grpc.ChannelOptions = {}): Promise<GrpcAnswer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), options);
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k.toLowerCase(), v);
  const bytes = (b: Buffer) => b;
  return new Promise((resolve) => {
    client.makeUnaryRequest(GRPC_TRACE_EXPORT, bytes, bytes, body, metadata, (err, response) => {
      client.close();
      resolve({ err: err ?? null, response });
    });
  });
}
