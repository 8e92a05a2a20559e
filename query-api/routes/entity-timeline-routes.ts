import { holdsPseudonymized, pseudonymizeSearch, type RedactionRules } from '../../collector/redact/index.js';
import { normalizeEntityValue } from '../../collector/normalize/entity-patterns.js';
import { ENTITY_LIMITS, ENTITY_TYPES, isEntityType } from '../../model/entities.js';
import { parseRunId } from '../../model/ids.js';
import { isoFromMicros } from '../../model/time.js';
import type { LedgerFilter, LedgerStore, QueryScope } from '../../exporters/store.js';
import { validationError } from '../api-error.js';
import { cursorNow, decodeCursor, encodeCursor } from '../ledger-cursor.js';
import { dateParam, parseQuery } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { checkDateRange, cursorParam, refusedAsBadRequest, zeroBasedPageShape } from './ledger-params.js';

/** What a timeline pivots on: the entry fields first, then the extracted entity types (model/entities.ts). */
export const TIMELINE_TYPES = ['agent', 'run', 'user', 'conversation', 'tool', ...ENTITY_TYPES] as const;
export type TimelineType = (typeof TIMELINE_TYPES)[number];

export const timelineShape = {
  ...zeroBasedPageShape,
  cursor: cursorParam().meta({
    description: 'Opaque keyset position: the `next_cursor` of the previous page of the same timeline and range (else a 400 naming `cursor`). Not with a `page` other than 0.',
  }),
  start_date: dateParam('start').meta({
    description: 'Entries starting at or after this time: RFC 3339, or a bare date (the start of that UTC day); not after `end_date`. Counts and first/last seen cover the range only.',
    examples: ['2024-12-01T00:00:00Z'],
  }),
  end_date: dateParam('end').meta({
    description: 'Entries starting at or before this time: RFC 3339, or a bare date (the whole of that UTC day).',
    examples: ['2024-12-31'],
  }),
};

const SORT = { sort_by: 'timestamp', sort_order: 'desc' } as const;

/**
 * The filter a timeline is: the entry field it names, or its extracted
 * entity, with the value normalised as ingest normalises it (a host
 * lowercase and punycode, an IPv6 address compressed, a URL as WHATWG
 * writes it) and an email address as its organization's pseudonym where
 * ingest pseudonymises them (a superuser, whose scope spans organizations,
 * gets a 400: whose pseudonym would it be?).
 */
export function timelineFilter(type: string, raw: string, scope: QueryScope, rules: RedactionRules | null): { value: string; filter: Omit<LedgerFilter, 'q'> } {
  if (!(TIMELINE_TYPES as readonly string[]).includes(type)) {
    throw validationError(`\`type\` must be one of ${TIMELINE_TYPES.join(', ')}`);
  }
  if (raw.length === 0 || raw.length > ENTITY_LIMITS.maxValueLength) throw validationError(`\`value\` must be 1 to ${ENTITY_LIMITS.maxValueLength} characters`);
  switch (type as TimelineType) {
    case 'agent':
      return { value: raw, filter: { scope, agent_id: raw } };
    case 'run': {
      const runId = parseRunId(raw);
      if (!runId) throw validationError('`value` must be a run\'s UUID (or 32 hex digits) for type `run`');
      return { value: runId, filter: { scope, run_id: runId } };
    }
    case 'user':
      // narrows within the scope: a user key naming another user finds nothing
      return { value: raw, filter: { scope, user_id: raw } };
    case 'conversation':
      return { value: raw, filter: { scope, conversation_id: raw } };
    case 'tool':
      return { value: raw, filter: { scope, kind: 'tool', action_name: raw } };
  }
  if (!isEntityType(type)) throw new Error(`unhandled timeline type ${type}`);
  const value = entityValue(type, raw, scope, rules);
  return { value, filter: { scope, entity: { type, value } } };
}

function entityValue(type: (typeof ENTITY_TYPES)[number], raw: string, scope: QueryScope, rules: RedactionRules | null): string {
  const value = normalizeEntityValue(type, raw);
  // a clear address is looked up as its organization's pseudonym; a pseudonym (what the entries show) is what it is
  if (type !== 'email' || /^\[EMAIL:[0-9a-f]{16}\]$/.test(raw)) return value;
  if (scope.organization_id === null) {
    if (holdsPseudonymized(value, rules)) {
      throw validationError('`value` is an email address, stored as a per-organization pseudonym; across organizations it cannot be looked up: use a credential of the organization, or give the pseudonym');
    }
    return value;
  }
  return pseudonymizeSearch(value, rules, scope.organization_id);
}

export function entityTimelineRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/api/v1/entities/:type/:value/timeline', READ, async (ctx) => {
    const scope = scopeOf(ctx);
    const params = parseQuery(ctx.query, timelineShape);
    checkDateRange(params);
    const { value, filter: target } = timelineFilter(ctx.params.type, ctx.params.value, scope, redaction);
    const filter: Omit<LedgerFilter, 'q'> = { ...target, start_us: params.start_date, end_us: params.end_date };
    if (params.cursor !== undefined && params.page !== 0) {
      throw validationError('`cursor` cannot be combined with a `page` other than 0: a cursor already says where the page starts');
    }
    // no relative time in a timeline's filter, but one cursor format: it keeps its first page's instant
    const now = cursorNow(params.cursor) ?? Date.now();
    const after = params.cursor === undefined ? undefined : decodeCursor(params.cursor, { ...SORT, filter, now });
    const [{ data, count, next }, summary] = await refusedAsBadRequest(() =>
      Promise.all([
        store.queryLedger({ ...filter, ...SORT, page: params.page, page_size: params.page_size, after }),
        store.timelineSummary(filter),
      ]),
    );
    ctx.body = {
      type: ctx.params.type,
      value,
      count,
      first_seen: summary.first_seen_us === null ? null : isoFromMicros(summary.first_seen_us),
      last_seen: summary.last_seen_us === null ? null : isoFromMicros(summary.last_seen_us),
      by_agent: summary.by_agent,
      by_day: summary.by_day,
      data,
      page: after ? null : params.page,
      page_size: params.page_size,
      total_pages: Math.ceil(count / params.page_size),
      next_cursor: next ? encodeCursor({ ...SORT, filter, now }, next) : null,
    };
  });
}
