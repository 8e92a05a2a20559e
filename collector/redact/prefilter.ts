import type { Detector } from './detector.js';

/** A compiled scan over some triggers: the regex and, per capturing group, the detector bits it sets. */
interface Scan {
  readonly regex: RegExp;
  /** Index g (1-based, as in the match array): bits of the detectors trigger g stands for. */
  readonly groupBits: readonly number[];
}

/** Distinct "already found" sets seen in practice are few (most text has 0–2 triggers); bound them anyway. */
const SCAN_CACHE_LIMIT = 256;

/**
 * One case-insensitive scan that tells which detectors could match a string.
 * Most text holds no secret; running 18 detector regexes (or 18 sets of
 * `includes`) over each string costs several times one combined scan.
 *
 * When a trigger is found, the scan goes on from there with a regex of the
 * triggers not yet found, so a word that recurs ("password", "key") is not
 * matched, allocated and classified again at every occurrence.
 */
export class Prefilter {
  /**
   * For each detector, its bit in what `select` returns; 0 for detectors
   * without a trigger (custom rules), which run on every string.
   */
  readonly bitOf: readonly number[];
  private readonly triggers: ReadonlyMap<string, number>;
  private readonly scans = new Map<number, Scan | null>();

  constructor(detectors: readonly Detector[]) {
    const triggered = detectors.filter((d) => d.triggers !== null).length;
    if (triggered > 30) throw new Error('redaction: at most 30 detectors with triggers');
    const bitsOf = new Map<string, number>();
    let next = 0;
    this.bitOf = detectors.map((d) => {
      if (d.triggers === null) return 0;
      const bit = 1 << next++;
      for (const t of d.triggers) bitsOf.set(t, (bitsOf.get(t) ?? 0) | bit);
      return bit;
    });
    this.triggers = bitsOf;
  }

  /** Bits of the detectors to run on `text`. */
  select(text: string): number {
    let bits = 0;
    let scan = this.scanFor(bits);
    let from = 0;
    while (scan !== null) {
      const regex = scan.regex;
      regex.lastIndex = from;
      const m = regex.exec(text);
      if (m === null) break;
      let g = 1;
      while (m[g] === undefined) g++;
      bits |= scan.groupBits[g];
      // The next scan lacks this trigger: resume where it started, so another
      // trigger at the same position or overlapping it is still seen.
      from = m.index;
      scan = this.scanFor(bits);
    }
    return bits;
  }

  /** The scan for the triggers that could still add a detector to `found`; null when none could. */
  private scanFor(found: number): Scan | null {
    let scan = this.scans.get(found);
    if (scan !== undefined) return scan;
    const wanted = [...this.triggers].filter(([, bits]) => (bits & ~found) !== 0);
    if (wanted.length === 0) {
      scan = null;
    } else {
      const { source, order } = factorByFirstChar(wanted.map(([t]) => t));
      scan = { regex: new RegExp(source, 'gi'), groupBits: [0, ...order.map((t) => this.triggers.get(t)!)] };
    }
    if (this.scans.size >= SCAN_CACHE_LIMIT) this.scans.clear();
    this.scans.set(found, scan);
    return scan;
  }
}

/** A trigger that starts with one plain character (not a class, group or escape) that no quantifier follows. */
const PLAIN_START = /^[A-Za-z0-9@:_-](?![?*+{])/;

/**
 * `sk-|secret` → `s(?:(k-)|(ecret))`: irregexp tries every top-level
 * alternative at every position, so grouping by first character makes the
 * scan about a third cheaper than a flat alternation (measured on the bench
 * corpus). Returns the capturing groups' triggers in source order.
 */
function factorByFirstChar(triggers: string[]): { source: string; order: string[] } {
  const byFirst = new Map<string, string[]>();
  const rest: string[] = [];
  for (const t of triggers) {
    if (PLAIN_START.test(t) && t.length > 1) {
      const first = t[0].toLowerCase();
      byFirst.set(first, [...(byFirst.get(first) ?? []), t]);
    } else {
      rest.push(t);
    }
  }
  const parts: string[] = [];
  const order: string[] = [];
  for (const [first, group] of byFirst) {
    const escaped = first === '-' ? '\\-' : first;
    parts.push(`${escaped}(?:${group.map((t) => `(${t.slice(1)})`).join('|')})`);
    order.push(...group);
  }
  for (const t of rest) {
    parts.push(`(${t})`);
    order.push(t);
  }
  return { source: parts.join('|'), order };
}
