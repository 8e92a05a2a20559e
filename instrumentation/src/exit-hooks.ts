import { diag } from '@opentelemetry/api';

interface Flushable {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** A signal must not keep a dying process alive longer than this. */
const SIGNAL_FLUSH_TIMEOUT_MS = 5_000;

/**
 * Spans still in the batch when a process ends would be lost. beforeExit
 * (the event loop ran dry) flushes; the export keeps the loop alive until it
 * is sent, then the process exits normally. On SIGTERM / SIGINT we shut down
 * and then re-raise the signal when nobody else listens to it, since merely
 * listening would otherwise cancel Node's default of exiting.
 */
export function installExitHooks(target: Flushable): void {
  process.on('beforeExit', () => {
    target.flush().catch((err) => diag.warn('agent-ledger: flush on exit failed', err));
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, SIGNAL_FLUSH_TIMEOUT_MS).unref());
      Promise.race([target.shutdown(), timeout]).finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    });
  }
}
