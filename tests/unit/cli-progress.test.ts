import { describe, expect, it } from 'vitest';
import { createProgress } from '../../cli/progress.js';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

describe('CLI progress on stderr', () => {
  it('on a terminal, redraws one line at most every interval and ends it', () => {
    let now = 0;
    const tty = stream(true);
    const p = createProgress(tty, { now: () => now, ttyIntervalMs: 100 });
    p.update('1 of 3');
    now = 50;
    p.update('2 of 3'); // held back
    now = 60;
    p.update('3 of 3'); // replaces the held one
    p.done();
    expect(tty.written).toEqual(['\r\x1b[K1 of 3', '\r\x1b[K3 of 3', '\n']);
  });

  it('elsewhere, writes a plain line now and then, and the last state at the end', () => {
    let now = 0;
    const log = stream(false);
    const p = createProgress(log, { now: () => now, plainIntervalMs: 5000 });
    for (let i = 1; i <= 100; i++) {
      now = i * 100;
      p.update(`${i} of 100`);
    }
    p.done();
    expect(log.written).toEqual(['1 of 100\n', '51 of 100\n', '100 of 100\n']);
    expect(log.written.join('')).not.toContain('\r');
  });

  it('ttyOnly: nothing at all when not a terminal', () => {
    const pipe = stream(false);
    const p = createProgress(pipe, { ttyOnly: true });
    p.update('exported 5 entries');
    p.note('a note');
    p.done();
    expect(pipe.written).toEqual([]);
  });

  it('a note clears a drawn line and stays', () => {
    const tty = stream(true);
    const p = createProgress(tty, { now: () => 0 });
    p.update('moving');
    p.note('moved 500000 entries');
    p.done();
    expect(tty.written).toEqual(['\r\x1b[Kmoving', '\r\x1b[K', 'moved 500000 entries\n']);
  });
});
