import { overlapsToken, type Detector } from './detector.js';
import { continuesWord, safeEnd, safeStart } from './json-escapes.js';
import { Prefilter } from './prefilter.js';
import type { Tally } from './tally.js';

/**
 * Runs the detectors over one string and returns it with each secret
 * replaced by its detector's token, or by a pseudonym for the detectors that
 * pseudonymise (the same string when nothing matched, so clean text
 * allocates nothing). Detectors run in order: later ones see earlier tokens
 * and leave them alone.
 */
export class TextRedactor {
  private readonly prefilter: Prefilter;
  /** Some detectors run on every string: clean text cannot be skipped outright. */
  private readonly anyAlways: boolean;

  /** `pseudonymize[i]`: detector i's finds become pseudonyms when the pass has an organization. */
  constructor(
    readonly detectors: readonly Detector[],
    private readonly pseudonymize: readonly boolean[] = detectors.map(() => false),
  ) {
    this.prefilter = new Prefilter(detectors);
    this.anyAlways = this.prefilter.bitOf.includes(0);
  }

  redact(text: string, tally: Tally): string {
    const bits = this.prefilter.select(text);
    if (bits === 0 && !this.anyAlways) return text;
    const bitOf = this.prefilter.bitOf;
    let s = text;
    for (let i = 0; i < this.detectors.length; i++) {
      const bit = bitOf[i];
      if (bit === 0 || (bits & bit) !== 0) s = applyDetector(s, this.detectors[i], this.pseudonymize[i], tally);
    }
    return s;
  }
}

function applyDetector(s: string, d: Detector, pseudonymize: boolean, tally: Tally): string {
  const pseudonym = pseudonymize ? tally.pseudonym : null;
  const re = d.pattern;
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  let replaced = false;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const candidate = m[0];
    if (candidate.length === 0) {
      // A custom pattern that can match nothing: step on rather than loop.
      re.lastIndex++;
      continue;
    }
    if (d.leftBoundary && continuesWord(s, m.index)) continue;
    const ranges = d.locate ? d.locate(s, m.index, candidate) : secretRange(m, d);
    for (let r = 0; r < ranges.length; r++) {
      const start = safeStart(s, m.index + ranges[r][0]);
      const end = safeEnd(s, m.index + ranges[r][1]);
      if (start >= end || start < last || overlapsToken(s, start, end)) continue;
      out += s.slice(last, start) + (pseudonym === null ? d.token : pseudonym(d.name, s.slice(start, end)));
      last = end;
      replaced = true;
      tally.count++;
    }
    // safeEnd may have widened past the regex's position; resume after the replacement.
    if (re.lastIndex < last) re.lastIndex = last;
  }
  return replaced ? out + s.slice(last) : s;
}

const NONE: Array<[number, number]> = [];

/** The match minus its `pre` / `post` context groups, if `accept` agrees it is a secret. */
function secretRange(m: RegExpExecArray, d: Detector): Array<[number, number]> {
  const groups = m.groups;
  const start = groups?.pre?.length ?? 0;
  const end = m[0].length - (groups?.post?.length ?? 0);
  if (end <= start) return NONE;
  if (d.accept && !d.accept(m[0].slice(start, end))) return NONE;
  return [[start, end]];
}
