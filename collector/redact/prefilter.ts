import type { Detector } from './detector.js';

/**
 * One case-insensitive scan that tells which detectors could match a string.
 * Most text holds no secret; running 18 detector regexes (or even 18 sets of
 * `includes`) over each string costs several times one combined scan. Each
 * distinct trigger is one capturing group, mapped to the bit of every
 * detector that shares it.
 */
export class Prefilter {
  /** Bits of the detectors without a trigger: they run on every string. */
  readonly always: number;
  private readonly scan: RegExp | null;
  /** For capturing group g (1-based), the bits of the detectors it triggers. */
  private readonly groupBits: number[];
  private readonly allTriggered: number;

  constructor(detectors: readonly Detector[]) {
    if (detectors.length > 31) throw new Error('redaction: at most 31 detectors (built-in and custom together)');
    const bitsOf = new Map<string, number>();
    let always = 0;
    detectors.forEach((d, i) => {
      if (d.triggers === null) always |= 1 << i;
      else for (const t of d.triggers) bitsOf.set(t, (bitsOf.get(t) ?? 0) | (1 << i));
    });
    this.always = always;
    this.groupBits = [0, ...bitsOf.values()];
    this.allTriggered = this.groupBits.reduce((a, b) => a | b, 0);
    this.scan = bitsOf.size ? new RegExp([...bitsOf.keys()].map((t) => `(${t})`).join('|'), 'gi') : null;
  }

  /** Bits of the detectors to run on `text`. */
  select(text: string): number {
    let bits = this.always;
    const scan = this.scan;
    if (scan === null) return bits;
    scan.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = scan.exec(text)) !== null) {
      let g = 1;
      while (m[g] === undefined) g++;
      const before = bits;
      bits |= this.groupBits[g];
      if ((bits & this.allTriggered) === this.allTriggered) break;
      // Step one character so a trigger overlapping this one is still seen,
      // unless this one told us nothing new (a long digit run matches everywhere).
      if (bits !== before) scan.lastIndex = m.index + 1;
    }
    return bits;
  }
}
