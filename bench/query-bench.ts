import { summarize } from './measure.js';

export interface QueryPattern {
  name: string;
  path: string;
}

/** Each pattern stops repeating after this long, so one slow pattern cannot stall the run. */
const BUDGET_MS = 20_000;

/** Runs each pattern `repeat` times (after one warm-up) and reports latency percentiles in ms. */
export async function runQueries(apiUrl: string, auth: Record<string, string>, patterns: QueryPattern[], repeat: number) {
  const results = [];
  for (const pattern of patterns) {
    const samples: number[] = [];
    let status = 0;
    let count: number | null = null;
    const started = performance.now();
    for (let i = 0; i <= repeat && performance.now() - started < BUDGET_MS; i++) {
      const t = performance.now();
      const res = await fetch(apiUrl + pattern.path, { headers: auth });
      const body = await res.text();
      const ms = performance.now() - t;
      status = res.status;
      if (i === 0) {
        try {
          const parsed = JSON.parse(body);
          count = parsed.count ?? parsed.total_actions ?? (Array.isArray(parsed.data) ? parsed.data.length : null);
        } catch {
          count = null;
        }
        continue;
      }
      samples.push(ms);
    }
    results.push({ ...pattern, status, count, ...summarize(samples) });
  }
  return results;
}
