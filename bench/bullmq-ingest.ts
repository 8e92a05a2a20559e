import { randomUUID } from 'node:crypto';
import { startServerProcess } from '../tests/helpers/server-process.js';
import { runIngest, type IngestResult } from './ingest-bench.js';

/**
 * The same traffic through the scale-out path: `agent-ledger all` with
 * REDIS_URL (receiver → BullMQ → worker → SQLite in one process), measured
 * until every span is queryable, not only acknowledged.
 */
export async function measureBullMqIngest(corpus: string, dataDir: string, redisUrl: string, clients: number, entries: number, env: Record<string, string>): Promise<IngestResult & { queryableSeconds: number }> {
  const server = await startServerProcess({
    dataDir,
    env: { ...env, REDIS_URL: redisUrl, AGENT_LEDGER_QUEUE_PREFIX: `bench-${randomUUID()}`, AGENT_LEDGER_QUEUE_MAX_PENDING_JOBS: '1000000' },
  });
  try {
    const started = performance.now();
    const result = await runIngest(corpus, server.otlpUrl, server.auth, clients, entries);
    for (;;) {
      const { body } = await server.get('/api/v1/ledger?page_size=1');
      if (body.count >= entries) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const queryableSeconds = (performance.now() - started) / 1000;
    return { ...result, queryableSeconds, spansPerSecond: entries / queryableSeconds };
  } finally {
    await server.stop();
  }
}
