import { storedDetails } from '../../collector/normalize/stored-details.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { modelConfigOf, promptNameOf, type ModelConfig } from '../../model/model-config.js';
import { runTokensOf, type RunContributionFields } from '../../model/run-rollup.js';
import { runDocId, runUserKey } from './index-names.js';
import { foldCase } from './search-fold.js';

/**
 * The runs rollup (the rule: model/run-rollup.ts), kept at write time as the
 * SQLite store keeps it (exporters/sqlite/run-rollup.ts): one scripted upsert per run and batch,
 * a run being one user's spans of a trace (`_id` = organization, run, user:
 * another user's spans never reach it). The script first sums the batch's
 * entries (first agent, prompt name
 * and model config written; the first root's agent, name and span), then
 * merges into the stored run exactly as the SQLite upsert does: the root's
 * agent wins, else the stored one, else the batch's; counts, cost and
 * tokens add up; start/end widen; stored first values stay; tags become the
 * sorted union once a batch brings new ones (SQLite's UNION sorts too;
 * Java orders by UTF-16 units, SQLite by bytes: they differ only between
 * astral characters and U+E000–U+FFFF).
 *
 * Idempotent per entry, without a per-run list that grows with the run
 * (every scripted update rewrites the whole run document, so a list of all
 * its span ids made a run's updates quadratic in its size):
 * - an entry this batch created (201) was never counted: counting it is safe;
 * - after its run update, the writer leaves a marker per (run, batch)
 *   (run-markers.ts); an entry that is already there (409) carries the batch
 *   that created it, so a marker says it was counted;
 * - between the run update and its marker (a crash, a timeout) the run's
 *   `applied` keeps the span ids of its last RUN_APPLIED_WINDOW counted
 *   entries (at least a whole update's), and the script skips those.
 * So an entry whose run update was lost is counted when its batch comes
 * again, and never twice, unless a process dies between a run's update and
 * its marker and the run then counts more than the window before the batch
 * comes back.
 */
/**
 * The painless script restates the rule's `addToRunBatch` and `mergeRun`: the
 * merge must run on the shard, in one scripted update, and skip counted spans
 * (tests/unit/run-rollup-rule.test.ts runs the script and the rule side by side).
 * What it adds to the rule's contribution: folded copies for search.
 */
export interface RunContribution extends RunContributionFields<ModelConfig> {
  name_fold: string;
  prompt_name_fold: string | null;
  model_fold: string | null;
  tags: string[];
}

export interface RunUpdate {
  id: string;
  organization_id: string;
  run_id: string;
  user_id: string | null;
  contributions: RunContribution[];
}

export function contributionOf(e: EntryRecord): RunContribution {
  // an entry without details (queued before them, or read back from a document) is read as ingest would
  const details = storedDetails(e.details, e.attributes);
  const prompt = promptNameOf({ details });
  const config = modelConfigOf({ ...e, details });
  return {
    span_id: e.span_id, start_us: e.start_us, end_us: e.end_us, cost_nanos: e.cost_nanos,
    ...runTokensOf(e),
    agent_id: e.agent_id, is_root: e.is_root, is_error: e.outcome === 'error',
    name: e.name, name_fold: foldCase(e.name), prompt_name: prompt, prompt_name_fold: prompt === null ? null : foldCase(prompt),
    model_config: config, model_fold: config === null ? null : foldCase(config.model), tags: e.tags,
  };
}

/** Span ids a run keeps of its last counted entries (about 20 bytes each in its document). */
export const RUN_APPLIED_WINDOW = 4096;

/** One update a run, its entries in write order. */
export function runUpdates(entries: readonly EntryRecord[]): RunUpdate[] {
  const runs = new Map<string, RunUpdate>();
  for (const e of entries) {
    // as in SQLite (exporters/sqlite/run-rollup.ts): a `log` entry is no action of a run
    if (e.kind === 'log') continue;
    const id = runDocId(e.organization_id, e.run_id, e.user_id);
    let run = runs.get(id);
    if (!run) runs.set(id, (run = { id, organization_id: e.organization_id, run_id: e.run_id, user_id: e.user_id, contributions: [] }));
    run.contributions.push(contributionOf(e));
  }
  return [...runs.values()];
}

/** Stored once (putScript) and called by id from every bulk update. */
export const RUN_ROLLUP_SCRIPT = `
def s = ctx._source;
boolean fresh = s.run_id == null;
if (fresh) {
  s.organization_id = params.organization_id; s.run_id = params.run_id; s.user_id = params.user_id; s.user_key = params.user_key;
  s.applied = new ArrayList();
}
Set applied = new HashSet(s.applied);
def agent = null; def rootAgent = null;
long start = 0; long end = 0; long n = 0; long cost = 0; long inTok = 0; long outTok = 0; long totTok = 0;
long rootCount = 0; int rootError = 0;
def rootName = null; def rootNameFold = null; def rootSpan = null;
def prompt = null; def promptFold = null; def modelConfig = null; def modelFold = null;
List tags = new ArrayList();
for (def c : params.contributions) {
  if (applied.contains(c.span_id)) { continue; }
  applied.add(c.span_id);
  s.applied.add(c.span_id);
  if (agent == null) { agent = c.agent_id; }
  long cs = ((Number) c.start_us).longValue();
  long ce = ((Number) c.end_us).longValue();
  if (n == 0 || cs < start) { start = cs; }
  if (n == 0 || ce > end) { end = ce; }
  n += 1;
  cost += ((Number) c.cost_nanos).longValue();
  inTok += ((Number) c.input_tokens).longValue();
  outTok += ((Number) c.output_tokens).longValue();
  totTok += ((Number) c.total_tokens).longValue();
  if (prompt == null && c.prompt_name != null) { prompt = c.prompt_name; promptFold = c.prompt_name_fold; }
  if (modelConfig == null && c.model_config != null) { modelConfig = c.model_config; modelFold = c.model_fold; }
  for (def t : c.tags) { if (!tags.contains(t)) { tags.add(t); } }
  if (c.is_root) {
    rootCount += 1;
    if (rootAgent == null) { rootAgent = c.agent_id; }
    if (rootName == null) { rootName = c.name; rootNameFold = c.name_fold; }
    if (rootSpan == null) { rootSpan = c.span_id; }
    if (c.is_error) { rootError = 1; }
  }
}
if (n == 0) {
  ctx.op = 'noop';
} else if (fresh) {
  s.agent_id = rootAgent != null ? rootAgent : agent;
  s.start_us = start; s.end_us = end; s.action_count = n; s.cost_nanos = cost;
  s.root_count = rootCount; s.root_error = rootError;
  s.root_name = rootName; s.root_name_fold = rootNameFold; s.root_span_id = rootSpan;
  s.prompt_name = prompt; s.prompt_name_fold = promptFold;
  s.input_tokens = inTok; s.output_tokens = outTok; s.total_tokens = totTok;
  s.model_config = modelConfig; s.model_fold = modelFold; s.tags = tags;
} else {
  if (rootAgent != null) { s.agent_id = rootAgent; } else if (s.agent_id == null) { s.agent_id = agent; }
  if (start < ((Number) s.start_us).longValue()) { s.start_us = start; }
  if (end > ((Number) s.end_us).longValue()) { s.end_us = end; }
  s.action_count = ((Number) s.action_count).longValue() + n;
  s.cost_nanos = ((Number) s.cost_nanos).longValue() + cost;
  s.root_count = ((Number) s.root_count).longValue() + rootCount;
  if (rootError > ((Number) s.root_error).intValue()) { s.root_error = rootError; }
  if (s.root_name == null) { s.root_name = rootName; s.root_name_fold = rootNameFold; }
  if (s.root_span_id == null) { s.root_span_id = rootSpan; }
  if (s.prompt_name == null) { s.prompt_name = prompt; s.prompt_name_fold = promptFold; }
  s.input_tokens = ((Number) s.input_tokens).longValue() + inTok;
  s.output_tokens = ((Number) s.output_tokens).longValue() + outTok;
  s.total_tokens = ((Number) s.total_tokens).longValue() + totTok;
  if (s.model_config == null) { s.model_config = modelConfig; s.model_fold = modelFold; }
  if (!tags.isEmpty()) {
    List merged = new ArrayList();
    for (def t : s.tags) { if (!merged.contains(t)) { merged.add(t); } }
    for (def t : tags) { if (!merged.contains(t)) { merged.add(t); } }
    Collections.sort(merged);
    s.tags = merged;
  }
}
if (n != 0) { s.search_name_fold = s.prompt_name != null ? s.prompt_name_fold : s.root_name_fold; }
if (s.applied.size() > params.keep) { s.applied = s.applied.subList(s.applied.size() - params.keep, s.applied.size()); }
`;

/** The bulk lines of one run's update. */
export function runUpdateLines(update: RunUpdate, index: string, scriptId: string): unknown[] {
  return [
    { update: { _index: index, _id: update.id, retry_on_conflict: 10 } },
    {
      scripted_upsert: true,
      script: {
        id: scriptId,
        params: {
          organization_id: update.organization_id, run_id: update.run_id, user_id: update.user_id, user_key: runUserKey(update.user_id),
          contributions: update.contributions,
          // a whole update's spans stay in the window, however large the batch
          keep: Math.max(RUN_APPLIED_WINDOW, update.contributions.length),
        },
      },
      upsert: {},
    },
  ];
}
