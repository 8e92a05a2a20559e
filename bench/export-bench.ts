import { memoryOf, sampleRss } from './measure.js';

/** Streams one export and reports rows/s and how far the server's RSS rose above where it was. */
export async function runExport(apiUrl: string, auth: Record<string, string>, serverPid: number, format: string, limit: number) {
  const before = memoryOf(serverPid).rssMiB;
  const sampler = sampleRss(serverPid);
  const t = performance.now();
  const res = await fetch(`${apiUrl}/api/v1/ledger/export?format=${format}&limit=${limit}`, { headers: auth });
  if (res.status !== 200) throw new Error(`export ${format} answered ${res.status}`);
  let newlines = 0;
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    // indexOf, not a loop over bytes: at 100k rows/s the client's own counting would otherwise limit the rate it measures
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
  }
  const seconds = (performance.now() - t) / 1000;
  const peak = sampler.stop();
  // jsonl: one line a row; json: "[" line + rows + "]" line; csv rows may hold line breaks, so count by limit
  const rows = format === 'jsonl' ? newlines : limit;
  return { format, rows, seconds, rowsPerSecond: rows / seconds, megabytes: bytes / 1048576, rssGrowthMiB: peak - before };
}
