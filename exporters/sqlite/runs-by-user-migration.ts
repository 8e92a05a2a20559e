import type { Attributes, EntryRecord } from '../../model/ledger-entry.js';
import { detailsFromAttributes } from '../../collector/normalize/stored-details.js';
import { modelConfigOf, promptNameOf } from '../../model/model-config.js';
import type { Database } from './driver.js';
import { RunRollupWriter, type RunSource } from './run-rollup.js';

/** Entries read per step, and runs summed before they are merged into the table: bounds the migration's memory. */
const CHUNK = 10_000;

interface StoredRow {
  seq: number;
  organization_id: string;
  run_id: string;
  span_id: string;
  is_root: number;
  name: string;
  kind: EntryRecord['kind'];
  outcome: EntryRecord['outcome'];
  ts_us: number;
  end_us: number;
  cost_nanos: number;
  model: string | null;
  provider: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  total_tokens: number | null;
  agent_id: string | null;
  user_id: string | null;
  tags: string;
  attributes: string;
}

/**
 * Runs were keyed by (organization, run): another user's span in one's trace
 * changed one's run. This rebuilds them under (organization, run, user) from
 * the entries, in write order and through the writer's own upsert, so each
 * run is what the writer would have kept had the key always been this one.
 */
export function rebuildRunsByUser(db: Database): void {
  db.exec(`
    CREATE TABLE runs_by_user (
      organization_id TEXT NOT NULL,
      run_id TEXT NOT NULL,
      -- run-rollup.ts NO_USER ('') for spans with no user
      user_id TEXT NOT NULL,
      agent_id TEXT,
      start_us INTEGER NOT NULL,
      end_us INTEGER NOT NULL,
      action_count INTEGER NOT NULL,
      cost_nanos INTEGER NOT NULL,
      root_count INTEGER NOT NULL,
      root_error INTEGER NOT NULL,
      root_name TEXT,
      root_span_id TEXT,
      prompt_name TEXT,
      input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL,
      total_tokens INTEGER NOT NULL,
      model_config TEXT,
      tags TEXT NOT NULL,
      PRIMARY KEY (organization_id, run_id, user_id)
    ) WITHOUT ROWID;
  `);
  const runs = new RunRollupWriter(db, 'runs_by_user').begin();
  const read = db.prepare(
    `SELECT seq, organization_id, run_id, span_id, is_root, name, kind, outcome, ts_us, end_us, cost_nanos, model, provider,
       input_tokens, output_tokens, total_tokens, agent_id, user_id, tags, attributes
     FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`,
  );
  for (let after = 0; ; ) {
    const rows = read.all(after, CHUNK) as StoredRow[];
    if (!rows.length) break;
    for (const row of rows) runs.add(runSourceOf(row));
    if (runs.size >= CHUNK) runs.flush();
    after = rows[rows.length - 1].seq;
  }
  runs.flush();
  db.exec(`
    DROP TABLE runs;
    ALTER TABLE runs_by_user RENAME TO runs;
    CREATE INDEX runs_org_start ON runs (organization_id, start_us, run_id);
    CREATE INDEX runs_org_cost ON runs (organization_id, cost_nanos, run_id);
    CREATE INDEX runs_org_agent_start ON runs (organization_id, agent_id, start_us, run_id);
    -- a user's own runs (the user role's every list)
    CREATE INDEX runs_org_user_start ON runs (organization_id, user_id, start_us, run_id);
  `);
}

function runSourceOf(row: StoredRow): RunSource {
  const attributes = JSON.parse(row.attributes) as Attributes;
  // rows of this old layout predate details: read them from the attributes, as ingest would
  const details = detailsFromAttributes(attributes);
  const config = modelConfigOf({ kind: row.kind, model: row.model, provider: row.provider, details });
  return {
    organization_id: row.organization_id,
    run_id: row.run_id,
    span_id: row.span_id,
    name: row.name,
    kind: row.kind,
    outcome: row.outcome,
    agent_id: row.agent_id,
    user_id: row.user_id,
    is_root: row.is_root === 1,
    start_us: row.ts_us,
    end_us: row.end_us,
    cost_nanos: row.cost_nanos,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
    total_tokens: row.total_tokens,
    tags: JSON.parse(row.tags) as string[],
    prompt_name: promptNameOf({ details }),
    model_config: config ? JSON.stringify(config) : null,
  };
}
