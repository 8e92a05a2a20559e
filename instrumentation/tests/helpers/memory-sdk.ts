import { tracing } from '@opentelemetry/sdk-node';
import { init, type LedgerHandle } from '../../src/index.js';

export type FinishedSpan = tracing.ReadableSpan;

/**
 * init() with an in-memory exporter and no batching, so a test reads its
 * spans as soon as they end. init() is once per process: every test file
 * runs in its own (vitest forks pool), and shares this one setup.
 */
export function memorySdk(options: { agentId?: string; agentVersion?: string; captureContent?: boolean } = {}): {
  handle: LedgerHandle;
  /** Finished spans, once exported (the SDK waits for async resource attributes before it exports). */
  spans(): Promise<FinishedSpan[]>;
  reset(): void;
  byName(name: string): Promise<FinishedSpan>;
} {
  const exporter = new tracing.InMemorySpanExporter();
  const handle = init({ exporter, batch: false, flushOnExit: false, agentId: options.agentId ?? 'test-agent', agentVersion: options.agentVersion, captureContent: options.captureContent });
  const spans = async () => {
    await handle.flush();
    return exporter.getFinishedSpans();
  };
  return {
    handle,
    spans,
    reset: () => exporter.reset(),
    async byName(name) {
      const all = await spans();
      const found = all.filter((s) => s.name === name);
      if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${all.map((s) => s.name).join(', ')}`);
      return found[0];
    },
  };
}
