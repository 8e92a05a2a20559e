import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { TrafficGenerator } from './traffic-generator.js';

/** Bumped whenever the generator's output changes, so a cached corpus is never stale (2: CJK summaries, 3: a URL in tool arguments). */
const CORPUS_VERSION = 3;

/**
 * The traffic is generated once into a file of length-prefixed protobuf
 * requests and replayed from there, so the clients spend their CPU sending,
 * not generating, while the server is measured on the same cores.
 */
export async function ensureCorpus(dir: string, entries: number, seed: number, spansPerRequest: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `traffic-v${CORPUS_VERSION}-s${seed}-n${entries}-r${spansPerRequest}.bin`);
  if (existsSync(file)) return file;
  const endMs = Date.parse('2026-11-01T00:00:00Z');
  const generator = new TrafficGenerator({ seed, entries, startMs: endMs - 90 * 86_400_000, endMs, spansPerRequest });
  const out = createWriteStream(`${file}.tmp`);
  for (let req = generator.next(); req; req = generator.next()) {
    const header = Buffer.alloc(8);
    header.writeUInt32LE(req.body.length, 0);
    header.writeUInt32LE(req.spans, 4);
    if (!out.write(header)) await once(out, 'drain');
    if (!out.write(req.body)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  renameSync(`${file}.tmp`, file);
  return file;
}

export interface CorpusRequest {
  body: Buffer;
  spans: number;
}

export async function* readCorpus(file: string): AsyncGenerator<CorpusRequest> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) {
    pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
    while (pending.length >= 8) {
      const size = pending.readUInt32LE(0);
      if (pending.length < 8 + size) break;
      yield { body: pending.subarray(8, 8 + size), spans: pending.readUInt32LE(4) };
      pending = pending.subarray(8 + size);
    }
  }
}
