import type { EntryRecord } from '../../model/ledger-entry.js';
import { addToRunBatch, countsInRun, runBatchOf, runTokensOf, type RunBatch, type RunContributionFields } from '../../model/run-rollup.js';
import type { Database, Statement } from './driver.js';

/**
 * A run is a trace of one user: `runs` is keyed by (organization, run, user),
 * so one user's spans never change another user's run (DESIGN.md, Tenancy).
 * Spans with no user roll up into their own run, stored under NO_USER: a
 * primary-key column cannot be null, and no user id is empty (the collector
 * reads an empty `user.id` as none; api-keys.ts refuses an empty user).
 */
export const NO_USER = '';

/** The `runs.user_id` of an entry's user. */
export function runUserKey(userId: string | null): string {
  return userId ?? NO_USER;
}

/** `runs.user_id` → the API's user (null for none). */
export function runUserOf(key: string): string | null {
  return key === NO_USER ? null : key;
}

/** What a run's rollup reads of one inserted entry. */
export type RunSource = Pick<
  EntryRecord,
  | 'organization_id'
  | 'run_id'
  | 'span_id'
  | 'name'
  | 'kind'
  | 'outcome'
  | 'agent_id'
  | 'user_id'
  | 'is_root'
  | 'start_us'
  | 'end_us'
  | 'cost_nanos'
  | 'input_tokens'
  | 'output_tokens'
  | 'total_tokens'
  | 'tags'
> & { prompt_name: string | null; model_config: string | null };

/** A run's batch with its key, as the upsert binds it (model config as JSON text). */
interface RunDelta extends RunBatch<string> {
  organization_id: string;
  run_id: string;
  user_id: string;
}

/**
 * Sums inserted entries per run (model/run-rollup.ts addToRunBatch), then
 * merges them into `runs` with one upsert a run (the writer's batches, the
 * migration's chunks). The upsert restates the rule's `mergeRun` in SQL, so
 * the merge stays one statement inside the writer's transaction; the rule's
 * test holds the two together.
 */
export class RunRollupWriter {
  private readonly upsertRun: Statement;

  constructor(db: Database, table = 'runs') {
    this.upsertRun = db.prepare(`
      INSERT INTO ${table} AS runs (organization_id, run_id, user_id, agent_id, start_us, end_us, action_count, cost_nanos,
        root_count, root_error, root_name, root_span_id, prompt_name, input_tokens, output_tokens, total_tokens, model_config, tags)
      VALUES (@organization_id, @run_id, @user_id, coalesce(@root_agent_id, @agent_id), @start_us, @end_us,
        @action_count, @cost_nanos, @root_count, @root_error, @root_name, @root_span_id, @prompt_name, @input_tokens, @output_tokens,
        @total_tokens, @model_config, @tags)
      ON CONFLICT (organization_id, run_id, user_id) DO UPDATE SET
        agent_id = coalesce(@root_agent_id, runs.agent_id, @agent_id),
        start_us = min(runs.start_us, @start_us),
        end_us = max(runs.end_us, @end_us),
        action_count = runs.action_count + @action_count,
        cost_nanos = runs.cost_nanos + @cost_nanos,
        root_count = runs.root_count + @root_count,
        root_error = max(runs.root_error, @root_error),
        root_name = coalesce(runs.root_name, @root_name),
        root_span_id = coalesce(runs.root_span_id, @root_span_id),
        prompt_name = coalesce(runs.prompt_name, @prompt_name),
        input_tokens = runs.input_tokens + @input_tokens,
        output_tokens = runs.output_tokens + @output_tokens,
        total_tokens = runs.total_tokens + @total_tokens,
        model_config = coalesce(runs.model_config, @model_config),
        tags = CASE WHEN @tags = '[]' THEN runs.tags ELSE (SELECT json_group_array(value) FROM
          (SELECT value FROM json_each(runs.tags) UNION SELECT value FROM json_each(@tags))) END`);
  }

  begin(): RunRollupBatch {
    return new RunRollupBatch(this.upsertRun);
  }
}

export class RunRollupBatch {
  private readonly runs = new Map<string, RunDelta>();

  constructor(private readonly upsertRun: Statement) {}

  get size(): number {
    return this.runs.size;
  }

  add(e: RunSource): void {
    if (!countsInRun(e.kind)) return;
    const user = runUserKey(e.user_id);
    const key = `${e.organization_id}\u0000${e.run_id}\u0000${user}`;
    const c = contributionOf(e);
    const run = this.runs.get(key);
    if (run) addToRunBatch(run, c);
    else this.runs.set(key, { organization_id: e.organization_id, run_id: e.run_id, user_id: user, ...runBatchOf(c) });
  }

  /** Applies the sums and starts over. */
  flush(): void {
    for (const run of this.runs.values()) this.upsertRun.run({ ...run, tags: JSON.stringify(run.tags) });
    this.runs.clear();
  }
}

function contributionOf(e: RunSource): RunContributionFields<string> {
  return {
    span_id: e.span_id, name: e.name, is_root: e.is_root, is_error: e.outcome === 'error', agent_id: e.agent_id,
    start_us: e.start_us, end_us: e.end_us, cost_nanos: e.cost_nanos,
    ...runTokensOf(e),
    prompt_name: e.prompt_name, model_config: e.model_config, tags: e.tags,
  };
}
