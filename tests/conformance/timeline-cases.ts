import type { EntryRecord } from '../../model/ledger-entry.js';
import type { LedgerFilter, TimelineSummary } from '../../exporters/store.js';
import { AGENTS } from './dataset.js';
import { matchesFilter } from './expected-ledger.js';
import { ACROSS_MIDNIGHT, entityCases } from './ledger-cases.js';
import { A, SCOPES } from './scopes.js';

/** Timeline aggregates (store.ts TimelineSummary): the pivots of the timeline route, over scopes and ranges. */
export function timelineCases(): Array<{ caption: string; filter: Omit<LedgerFilter, 'q'> }> {
  const entity = { type: 'host', value: 'evil.example' } as const;
  return [
    ...entityCases().map(([caption, f]) => ({ caption, filter: { scope: A, ...f } })),
    { caption: 'agent', filter: { scope: A, agent_id: AGENTS[0] } },
    { caption: 'user alice', filter: { scope: A, user_id: 'alice' } },
    { caption: 'conversation conv-1', filter: { scope: A, conversation_id: 'conv-1' } },
    { caption: 'tool database_query', filter: { scope: A, kind: 'tool', action_name: 'database_query' } },
    { caption: 'entity, user scope alice', filter: { scope: SCOPES['org_a/alice'], entity } },
    { caption: 'entity, superuser', filter: { scope: SCOPES.superuser, entity } },
    { caption: 'entity, organization B', filter: { scope: SCOPES.org_b, entity } },
    { caption: 'entity, across midnight', filter: { scope: A, ...ACROSS_MIDNIGHT, entity } },
    { caption: 'entity, unknown organization', filter: { scope: SCOPES.unknown_org, entity } },
  ];
}

const DAY_US = 86_400_000_000;

/** The answer from the records: counts per agent (most first, then id, none last) and per UTC day, first and last start. */
export function expectedTimeline(entries: readonly EntryRecord[], filter: Omit<LedgerFilter, 'q'>): TimelineSummary {
  const matches = entries.filter((e) => matchesFilter(e, filter as LedgerFilter));
  const agents = new Map<string | null, number>();
  const days = new Map<string, number>();
  for (const e of matches) {
    agents.set(e.agent_id, (agents.get(e.agent_id) ?? 0) + 1);
    const day = new Date(Math.floor(e.start_us / DAY_US) * 86_400_000).toISOString().slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + 1);
  }
  const starts = matches.map((e) => e.start_us);
  return {
    count: matches.length,
    first_seen_us: starts.length ? Math.min(...starts) : null,
    last_seen_us: starts.length ? Math.max(...starts) : null,
    by_agent: [...agents]
      .map(([agent_id, count]) => ({ agent_id, count }))
      .sort((a, b) => b.count - a.count || (a.agent_id === null ? 1 : b.agent_id === null ? -1 : a.agent_id < b.agent_id ? -1 : 1)),
    by_day: [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, count]) => ({ day, count })),
  };
}
