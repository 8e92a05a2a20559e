import type { Logger } from 'pino';
import type { AgentStore } from '../exporters/agent-store.js';

export interface RetentionTimer {
  /** Runs one sweep now (unless one is running) and resolves when it is done. */
  sweepNow(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the retention sweep in the process that writes: once shortly after
 * start, then every `intervalSeconds`. Sweeps never overlap; a failed sweep is
 * logged and retried at the next tick (nothing is half-deleted: each batch is
 * one transaction).
 */
export function startRetentionTimer(store: Pick<AgentStore, 'sweepExpired'>, options: { intervalSeconds: number; batchSize: number }, logger: Logger): RetentionTimer {
  let running: Promise<void> | null = null;
  let stopped = false;
  const sweepNow = (): Promise<void> =>
    (running ??= (async () => {
      const started = Date.now();
      try {
        const report = await store.sweepExpired({ now_us: Date.now() * 1000, batch_size: options.batchSize });
        const removed = report.entries + report.activity_events + report.lifecycle_events;
        logger[removed > 0 ? 'info' : 'debug']({ ...report, ms: Date.now() - started }, 'retention sweep done');
      } catch (err) {
        if (!stopped) logger.error({ err }, 'retention sweep failed; retrying at the next interval');
      } finally {
        running = null;
      }
    })());
  const first = setTimeout(() => void sweepNow(), Math.min(5_000, options.intervalSeconds * 1000));
  const every = setInterval(() => void sweepNow(), options.intervalSeconds * 1000);
  first.unref();
  every.unref();
  return {
    sweepNow,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
