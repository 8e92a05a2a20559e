import { AgentIngest } from './agent-ingest.js';
import type { Database, Statement } from './driver.js';
import { FulltextIndexer } from './fulltext-index.js';
import { RollupWriter } from './rollup-writer.js';
import type { WriteRow } from './write-row.js';

interface RunDelta {
  organization_id: string;
  run_id: string;
  agent_id: string | null;
  root_agent_id: string | null;
  user_id: string | null;
  start_us: number;
  end_us: number;
  action_count: number;
  cost_nanos: number;
  root_count: number;
  root_error: number;
  root_name: string | null;
  root_span_id: string | null;
  prompt_name: string | null;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  model_config: string | null;
  tags: string[];
}

/**
 * Writes batches of entries in one transaction each. First write wins:
 * `ON CONFLICT DO NOTHING` on (organization, run, span), the entry id's own
 * inputs, and rollups move only for rows actually inserted.
 */
export class EntryWriter {
  private readonly insertEntry: Statement;
  private readonly upsertRun: Statement;
  private readonly insertTerm: Statement;
  private readonly rollups: RollupWriter;
  private readonly fulltext: FulltextIndexer;
  private readonly agents: AgentIngest;

  /**
   * `fulltext: false` leaves `q`'s index out (sqlite.fulltext), for deployments that never search payloads.
   * `trustHalfLifeDays` is the trust score's decay (agents.trust_half_life_days); `now` (µs) dates auto-registrations.
   */
  constructor(
    private readonly db: Database,
    options: { fulltext?: boolean; trustHalfLifeDays?: number; now?: () => number } = {},
  ) {
    this.insertEntry = db.prepare(`
      INSERT INTO entries (id, organization_id, run_id, trace_id, span_id, parent_span_id, is_root, name, kind,
        outcome, status_message, ts_us, end_us, duration_ms, cost_nanos, model, provider, input_tokens,
        output_tokens, total_tokens, agent_id, service_name, user_id, inputs, outputs, compliance, tags,
        attributes, truncated_fields, redactions)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (organization_id, run_id, span_id) DO NOTHING`);
    this.upsertRun = db.prepare(`
      INSERT INTO runs (organization_id, run_id, agent_id, user_id, start_us, end_us, action_count, cost_nanos,
        root_count, root_error, root_name, root_span_id, prompt_name, input_tokens, output_tokens, total_tokens, model_config, tags)
      VALUES (@organization_id, @run_id, coalesce(@root_agent_id, @agent_id), @user_id, @start_us, @end_us,
        @action_count, @cost_nanos, @root_count, @root_error, @root_name, @root_span_id, @prompt_name, @input_tokens, @output_tokens,
        @total_tokens, @model_config, @tags)
      ON CONFLICT (organization_id, run_id) DO UPDATE SET
        agent_id = coalesce(@root_agent_id, runs.agent_id, @agent_id),
        user_id = coalesce(runs.user_id, @user_id),
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
    this.rollups = new RollupWriter(db);
    this.fulltext = new FulltextIndexer(db, options.fulltext ?? true);
    this.agents = new AgentIngest(db, { trust_half_life_days: options.trustHalfLifeDays ?? 30, now: options.now ?? (() => Date.now() * 1000) });
    this.insertTerm = db.prepare('INSERT OR IGNORE INTO search_terms (organization_id, field, value) VALUES (?, ?, ?)');
  }

  /** Returns how many entries were new. */
  write(entries: readonly WriteRow[]): number {
    return this.writeGroups([entries])[0];
  }

  /** Several batches in one transaction (one fsync); returns how many entries of each were new. */
  writeGroups(groups: ReadonlyArray<readonly WriteRow[]>): number[] {
    return this.db.transaction(() => {
      const runs = new Map<string, RunDelta>();
      const terms = new Set<string>();
      const rollup = this.rollups.begin();
      const agents = this.agents.begin();
      const inserted = groups.map((entries) => {
        let n = 0;
        for (const e of entries) {
          const result = this.insertEntry.run(e.params);
          if (result.changes === 0) continue;
          n++;
          this.fulltext.add(result.lastInsertRowid, e.fts);
          addToRun(runs, e);
          rollup.add(e);
          agents.add(e);
          terms.add(`${e.organization_id}\u0000name\u0000${e.name}`);
          if (e.agent_id !== null) terms.add(`${e.organization_id}\u0000agent_id\u0000${e.agent_id}`);
        }
        return n;
      });
      for (const run of runs.values()) this.upsertRun.run({ ...run, tags: JSON.stringify(run.tags) });
      rollup.flush();
      agents.flush();
      for (const t of terms) this.insertTerm.run(...t.split('\u0000'));
      return inserted;
    })();
  }
}

function addToRun(runs: Map<string, RunDelta>, e: WriteRow): void {
  const key = `${e.organization_id}\u0000${e.run_id}`;
  let run = runs.get(key);
  if (!run) {
    run = {
      organization_id: e.organization_id,
      run_id: e.run_id,
      agent_id: null,
      root_agent_id: null,
      user_id: null,
      start_us: e.start_us,
      end_us: e.end_us,
      action_count: 0,
      cost_nanos: 0,
      root_count: 0,
      root_error: 0,
      root_name: null,
      root_span_id: null,
      prompt_name: null,
      input_tokens: 0,
      output_tokens: 0,
      total_tokens: 0,
      model_config: null,
      tags: [],
    };
    runs.set(key, run);
  }
  run.agent_id ??= e.agent_id;
  run.user_id ??= e.user_id;
  run.start_us = Math.min(run.start_us, e.start_us);
  run.end_us = Math.max(run.end_us, e.end_us);
  run.action_count++;
  run.cost_nanos += e.cost_nanos;
  run.input_tokens += e.input_tokens ?? 0;
  run.output_tokens += e.output_tokens ?? 0;
  run.total_tokens += e.total_tokens ?? 0;
  run.prompt_name ??= e.prompt_name;
  run.model_config ??= e.model_config;
  for (const tag of e.tags) if (!run.tags.includes(tag)) run.tags.push(tag);
  if (e.is_root) {
    run.root_count++;
    run.root_agent_id ??= e.agent_id;
    run.root_name ??= e.name;
    run.root_span_id ??= e.span_id;
    if (e.outcome === 'error') run.root_error = 1;
  }
}
