import type { Contribution, ConventionMapper, MapperInput, MapperOutput } from './convention-mapper.js';
import { mergeDetails } from './entry-details.js';

/**
 * Runs mappers (highest priority first, as mappersFor gives them) on a span
 * and merges what they said.
 */
export function runMappers(mappers: readonly ConventionMapper[], input: MapperInput): Contribution {
  return mergeContributions(mappers.map((m) => m.map(input)));
}

// Every Contribution field but the combined ones below. A Record, so the
// compiler insists a field added to Contribution is listed here too.
const FIRST_WINS_FIELDS: Record<Exclude<keyof Contribution, 'modelCall' | 'failed' | 'tags' | 'details'>, true> = {
  kind: true,
  toolName: true,
  model: true,
  requestModel: true,
  provider: true,
  inputTokens: true,
  outputTokens: true,
  totalTokens: true,
  cacheReadTokens: true,
  cacheWriteTokens: true,
  costNanos: true,
  inputs: true,
  outputs: true,
  inputsFallback: true,
  outputsFallback: true,
  outcome: true,
  blocked: true,
  statusMessage: true,
  compliance: true,
};
const FIRST_WINS = Object.keys(FIRST_WINS_FIELDS) as Array<keyof typeof FIRST_WINS_FIELDS>;

/**
 * `contributions` in priority order, highest first. Most fields take the
 * highest-priority value that is not null; signals that any convention may
 * raise (model call, failed) are true when any says so, and tags are the
 * union. Iterates the known fields rather than each contribution's entries.
 */
export function mergeContributions(contributions: readonly MapperOutput[]): Contribution {
  const merged: Record<string, unknown> = {};
  for (const key of FIRST_WINS) {
    for (const c of contributions) {
      const value = c[key];
      if (value !== undefined && value !== null) {
        merged[key] = value;
        break;
      }
    }
  }
  if (contributions.some((c) => c.modelCall === true)) merged.modelCall = true;
  if (contributions.some((c) => c.failed === true)) merged.failed = true;
  // A Set: a tags attribute may list thousands, and includes() would make that quadratic.
  const tags = new Set<string>();
  for (const c of contributions) for (const t of c.tags ?? []) tags.add(t);
  if (tags.size > 0) merged.tags = [...tags];
  merged.details = mergeDetails(contributions.map((c) => c.details));
  return merged as Contribution;
}
