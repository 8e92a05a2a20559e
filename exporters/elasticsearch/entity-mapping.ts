import type { estypes } from '@elastic/elasticsearch';
import { ENTITY_LIMITS, ENTITY_TYPES } from '../../model/entities.js';

/**
 * `entities.<type>`: one keyword array per type (model/entities.ts), so
 * `entities.host:evil.example` is a term query and a timeline a filter on
 * it. Values are at most ENTITY_LIMITS.maxValueLength characters, well
 * inside Lucene's term limit.
 */
export const ENTITY_MAPPING: estypes.MappingProperty = {
  type: 'object',
  dynamic: 'strict',
  properties: Object.fromEntries(ENTITY_TYPES.map((t) => [t, { type: 'keyword', ignore_above: ENTITY_LIMITS.maxValueLength }])),
};
