/**
 * The run rollup rule (DESIGN.md "Queries"): how a run's summary is combined
 * from its entries, kept at write time by every store. This module is the
 * reference; a store calls it where it computes in TypeScript, and restates
 * it where the computation has to run inside the database:
 *
 * - SQLite (exporters/sqlite/run-rollup.ts) sums a batch here, then merges
 *   into the stored run with one SQL upsert that restates `mergeRun`.
 * - Elasticsearch (exporters/elasticsearch/run-rollup.ts) does both in a
 *   painless script (it must: the merge runs on the shard, and the script
 *   skips spans it already counted).
 *
 * tests/unit/run-rollup-rule.test.ts runs the same writes through this module
 * and each store and compares. `M` is how a store holds a model config (SQLite
 * keeps its JSON text, Elasticsearch the object): the rule only keeps the first.
 */

import type { ActionKind, RunStatus } from './ledger-entry.js';

/** A run is running until a root span of it has ended; then failed if a root failed. */
export function runStatus(rootCount: number | null | undefined, rootError: number | null | undefined): RunStatus {
  if (!rootCount) return 'running';
  return rootError ? 'failed' : 'completed';
}

/** What one inserted entry brings to its run. */
/** A log line is not an action of its run: no run is created, counted, debited or ended by one. */
export function countsInRun(kind: ActionKind): boolean {
  return kind !== 'log';
}

type TokenCounts = { input_tokens: number | null; output_tokens: number | null; total_tokens: number | null };

/**
 * What an entry adds to its run's tokens: its own usage, but for the
 * orchestration around calls (kinds `agent`, `chain`), whose usage repeats
 * what its calls already reported (the GenAI `invoke_agent` span of
 * @ai-sdk/otel, the AI SDK's legacy `ai.generateText`), so a run counts each
 * call once, as its cost does (priced on model calls alone).
 */
export function runTokensOf(e: TokenCounts & { kind: ActionKind }): { input_tokens: number; output_tokens: number; total_tokens: number } {
  if (e.kind === 'agent' || e.kind === 'chain') return { input_tokens: 0, output_tokens: 0, total_tokens: 0 };
  return { input_tokens: e.input_tokens ?? 0, output_tokens: e.output_tokens ?? 0, total_tokens: e.total_tokens ?? 0 };
}

export interface RunContributionFields<M> {
  span_id: string;
  name: string;
  is_root: boolean;
  is_error: boolean;
  agent_id: string | null;
  start_us: number;
  end_us: number;
  cost_nanos: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  prompt_name: string | null;
  model_config: M | null;
  tags: readonly string[];
}

/** A run's rollup as stored (times in µs, cost in nano-USD). */
export interface RunTotals<M> {
  agent_id: string | null;
  start_us: number;
  end_us: number;
  action_count: number;
  cost_nanos: number;
  /** Root spans seen: the run is running until one has ended. */
  root_count: number;
  /** 1 once a root span failed. */
  root_error: number;
  root_name: string | null;
  root_span_id: string | null;
  prompt_name: string | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  model_config: M | null;
  tags: string[];
}

/** One batch's entries of a run, summed before they meet the stored run. */
export interface RunBatch<M> extends RunTotals<M> {
  /** The first root's agent: it names the run whatever was stored. */
  root_agent_id: string | null;
}

/** A batch of one entry. */
export function runBatchOf<M>(c: RunContributionFields<M>): RunBatch<M> {
  const batch: RunBatch<M> = {
    agent_id: null, root_agent_id: null, start_us: c.start_us, end_us: c.end_us, action_count: 0, cost_nanos: 0, root_count: 0, root_error: 0,
    root_name: null, root_span_id: null, prompt_name: null, input_tokens: 0, output_tokens: 0, total_tokens: 0, model_config: null, tags: [],
  };
  addToRunBatch(batch, c);
  return batch;
}

/**
 * Adds an entry to its run's batch, in write order: counts, cost and tokens
 * add up, start/end widen, the first non-null agent, prompt name and model
 * config stay, tags gather in order of arrival; the first root's agent, name
 * and span id stay, and one failed root fails the run.
 */
export function addToRunBatch<M>(run: RunBatch<M>, c: RunContributionFields<M>): void {
  run.agent_id ??= c.agent_id;
  run.start_us = Math.min(run.start_us, c.start_us);
  run.end_us = Math.max(run.end_us, c.end_us);
  run.action_count++;
  run.cost_nanos += c.cost_nanos;
  run.input_tokens += c.input_tokens;
  run.output_tokens += c.output_tokens;
  run.total_tokens += c.total_tokens;
  run.prompt_name ??= c.prompt_name;
  run.model_config ??= c.model_config;
  for (const tag of c.tags) if (!run.tags.includes(tag)) run.tags.push(tag);
  if (c.is_root) {
    run.root_count++;
    run.root_agent_id ??= c.agent_id;
    run.root_name ??= c.name;
    run.root_span_id ??= c.span_id;
    if (c.is_error) run.root_error = 1;
  }
}

/**
 * A batch merged into the stored run (none: the batch is the run). The
 * root's agent wins, else the stored agent, else the batch's; counts, cost
 * and tokens add up; start/end widen; stored first values stay; tags become
 * the sorted union once a batch brings any (a set: SQLite's UNION sorts by
 * bytes, painless by UTF-16 units like this sort; they differ only between
 * astral characters and U+E000–U+FFFF).
 */
export function mergeRun<M>(stored: RunTotals<M> | null, batch: RunBatch<M>): RunTotals<M> {
  const { root_agent_id, ...fresh } = batch;
  if (stored === null) return { ...fresh, agent_id: root_agent_id ?? batch.agent_id, tags: [...batch.tags] };
  return {
    agent_id: root_agent_id ?? stored.agent_id ?? batch.agent_id,
    start_us: Math.min(stored.start_us, batch.start_us),
    end_us: Math.max(stored.end_us, batch.end_us),
    action_count: stored.action_count + batch.action_count,
    cost_nanos: stored.cost_nanos + batch.cost_nanos,
    root_count: stored.root_count + batch.root_count,
    root_error: Math.max(stored.root_error, batch.root_error),
    root_name: stored.root_name ?? batch.root_name,
    root_span_id: stored.root_span_id ?? batch.root_span_id,
    prompt_name: stored.prompt_name ?? batch.prompt_name,
    input_tokens: stored.input_tokens + batch.input_tokens,
    output_tokens: stored.output_tokens + batch.output_tokens,
    total_tokens: stored.total_tokens + batch.total_tokens,
    model_config: stored.model_config ?? batch.model_config,
    tags: batch.tags.length === 0 ? stored.tags : [...new Set([...stored.tags, ...batch.tags])].sort(),
  };
}
