import { summarize } from './measure.js';

export interface QueryPattern {
  name: string;
  path: string;
}

/** Runs each pattern `repeat` times (after one warm-up) and reports latency percentiles in ms. */
export async function runQueries(apiUrl: string, patterns: QueryPattern[], repeat: number) {
  const results = [];
  for (const pattern of patterns) {
    const samples: number[] = [];
    let status = 0;
    let count: number | null = null;
    for (let i = 0; i <= repeat; i++) {
      const t = performance.now();
      const res = await fetch(apiUrl + pattern.path);
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
