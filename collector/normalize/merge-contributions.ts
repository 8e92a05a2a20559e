import type { Contribution, ConventionMapper, MapperInput } from './convention-mapper.js';

/**
 * Runs every mapper on a span and merges what they said. Most fields take the
 * highest-priority value; signals that any convention may raise (blocked,
 * failed, model call) are combined, and tags are the union.
 */
export function runMappers(mappers: readonly ConventionMapper[], input: MapperInput): Contribution {
  const ordered = [...mappers].sort((a, b) => b.priority - a.priority);
  return mergeContributions(ordered.map((m) => m.map(input)));
}

/** `contributions` in priority order, highest first. */
export function mergeContributions(contributions: readonly Contribution[]): Contribution {
  const merged: Record<string, unknown> = {};
  const tags: string[] = [];
  for (const c of contributions) {
    for (const [key, value] of Object.entries(c)) {
      if (value === undefined) continue;
      if (key === 'tags') {
        for (const t of value as string[]) if (!tags.includes(t)) tags.push(t);
      } else if (key === 'modelCall' || key === 'failed') {
        merged[key] = merged[key] === true || value === true;
      } else if (!(key in merged)) {
        merged[key] = value;
      }
    }
  }
  if (tags.length > 0) merged.tags = tags;
  return merged as Contribution;
}
