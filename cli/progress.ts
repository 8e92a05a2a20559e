/** Where progress goes: stderr, so stdout stays the command's data. */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  /** The current state; shown now or soon (a terminal redraws one line; elsewhere a line now and then). */
  update(line: string): void;
  /** A line that stays (a migration step, the end). */
  note(line: string): void;
  /** Shows the last state if it was held back, and ends a redrawn line. */
  done(): void;
}

export interface ProgressOptions {
  /** Nothing at all unless the stream is a terminal (an export piped somewhere stays silent). */
  ttyOnly?: boolean;
  /** Least time between two updates on a terminal, and between two plain lines elsewhere. */
  ttyIntervalMs?: number;
  plainIntervalMs?: number;
  now?: () => number;
}

/**
 * Progress of a long command on stderr: on a terminal one line redrawn in
 * place at most every ~100 ms; elsewhere (a log file, a pipe) a plain line
 * at most every few seconds, so logs stay short.
 */
export function createProgress(stream: ProgressStream = process.stderr, options: ProgressOptions = {}): Progress {
  const tty = stream.isTTY === true;
  const silent = options.ttyOnly === true && !tty;
  const interval = tty ? (options.ttyIntervalMs ?? 100) : (options.plainIntervalMs ?? 5000);
  const now = options.now ?? Date.now;
  let last = -Infinity;
  let pending: string | null = null;
  let drawn = false;
  const show = (line: string) => {
    stream.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    drawn = tty;
    last = now();
    pending = null;
  };
  const endLine = () => {
    if (drawn) stream.write('\n');
    drawn = false;
  };
  return {
    update(line) {
      if (silent) return;
      if (now() - last >= interval) show(line);
      else pending = line;
    },
    note(line) {
      if (silent) return;
      if (tty && drawn) stream.write('\r\x1b[K');
      drawn = false;
      stream.write(`${line}\n`);
    },
    done() {
      if (silent) return;
      if (pending !== null) show(pending);
      endLine();
    },
  };
}

/** 12345 -> "12,345". */
export const count = (n: number) => n.toLocaleString('en-US');

/** Items per second since `startMs`, rounded. */
export const rate = (n: number, startMs: number, nowMs = Date.now()) => count(Math.round((n * 1000) / Math.max(1, nowMs - startMs)));
