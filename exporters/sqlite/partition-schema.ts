import type { Database } from './driver.js';

/**
 * One partition file: the entries of one UTC day (partition-files.ts) with
 * everything kept at write time from them in the same transaction: the
 * full-text index, the hourly stats rollups (hour = -1: the partition's
 * totals), the runs' partial rollups (`run_parts`: this day's part of each
 * run, which retention subtracts when it drops the file) and the distinct names and
 * agent ids the seed's `search` matches. Organizations, keys, agents, the
 * activity chain and the runs across days live in the catalog (ledger.db).
 *
 * `seq` is AUTOINCREMENT: the catalog applies a partition's rows up to a
 * high-water seq (catalog-apply.ts), so a seq is never handed out twice,
 * even after retention deleted the newest row.
 */
const PARTITION_SCHEMA = `
  CREATE TABLE entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    parent_span_id TEXT,
    is_root INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status_message TEXT,
    ts_us INTEGER NOT NULL,
    end_us INTEGER NOT NULL,
    duration_ms REAL NOT NULL,
    cost_nanos INTEGER NOT NULL,
    model TEXT,
    provider TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    total_tokens INTEGER,
    agent_id TEXT,
    service_name TEXT,
    user_id TEXT,
    inputs TEXT,
    outputs TEXT,
    compliance TEXT,
    tags TEXT NOT NULL,
    attributes TEXT NOT NULL,
    truncated_fields TEXT NOT NULL,
    redactions INTEGER NOT NULL DEFAULT 0
  );
  -- first write wins on (organization, run, span): a re-delivered span has the
  -- same start time, so it meets its first copy in this same file
  CREATE UNIQUE INDEX entries_org_run_span ON entries (organization_id, run_id, span_id);
  CREATE INDEX entries_org_ts ON entries (organization_id, ts_us, id);
  CREATE INDEX entries_org_outcome_ts ON entries (organization_id, outcome, ts_us);
  CREATE INDEX entries_org_outcome_cost ON entries (organization_id, outcome, cost_nanos);
  CREATE INDEX entries_org_name_ts ON entries (organization_id, name, ts_us);
  CREATE INDEX entries_org_agent_ts ON entries (organization_id, agent_id, ts_us);
  CREATE INDEX entries_org_cost ON entries (organization_id, cost_nanos);
  CREATE INDEX entries_org_duration ON entries (organization_id, duration_ms);

  CREATE VIRTUAL TABLE entries_fts USING fts5(
    text, content = '', contentless_delete = 1, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
  );
  CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  INSERT INTO ledger_meta (key, value) VALUES ('fulltext', 'complete');

  -- this day's part of each run; readers join the catalog's runs (attached), the whole run
  CREATE TABLE run_parts (
    organization_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
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

  CREATE TABLE rollup_outcome (
    organization_id TEXT NOT NULL, hour INTEGER NOT NULL, outcome TEXT NOT NULL,
    n INTEGER NOT NULL, cost_nanos INTEGER NOT NULL, duration_us INTEGER NOT NULL,
    PRIMARY KEY (organization_id, hour, outcome)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_agent (
    organization_id TEXT NOT NULL, hour INTEGER NOT NULL, agent_id TEXT NOT NULL,
    n INTEGER NOT NULL, cost_nanos INTEGER NOT NULL,
    PRIMARY KEY (organization_id, hour, agent_id)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_name (
    organization_id TEXT NOT NULL, hour INTEGER NOT NULL, name TEXT NOT NULL,
    n INTEGER NOT NULL, cost_nanos INTEGER NOT NULL,
    PRIMARY KEY (organization_id, hour, name)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_duration (
    organization_id TEXT NOT NULL, hour INTEGER NOT NULL, bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (organization_id, hour, bucket)
  ) WITHOUT ROWID;
  CREATE TABLE search_terms (
    organization_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (organization_id, field, value)
  ) WITHOUT ROWID;

  -- immutable but for retention, as in the catalog (schema.ts)
  CREATE TABLE retention_sweep (id INTEGER PRIMARY KEY CHECK (id = 1), active INTEGER NOT NULL);
  INSERT INTO retention_sweep (id, active) VALUES (1, 0);
  CREATE TRIGGER entries_immutable BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
  CREATE TRIGGER entries_retention_only BEFORE DELETE ON entries
    WHEN (SELECT active FROM retention_sweep WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'ledger entries are deleted only by the retention sweep'); END;
`;

/**
 * Indexes of the value sorts end in the tiebreak `id`, so a page by cost,
 * duration or name (and a merge's keyset seek over days) reads positions off
 * the index alone: without `id` each position read its table row (measured:
 * page 500 by cost over 18 days of 111k entries, ~4 s of 5 in those reads).
 * A day's B-trees are small, so the wider keys cost little at write time.
 */
const SORT_INDEXES_END_IN_ID = `
  DROP INDEX entries_org_outcome_cost;
  DROP INDEX entries_org_name_ts;
  DROP INDEX entries_org_cost;
  DROP INDEX entries_org_duration;
  CREATE INDEX entries_org_outcome_cost ON entries (organization_id, outcome, cost_nanos, id);
  CREATE INDEX entries_org_name_id ON entries (organization_id, name, id);
  CREATE INDEX entries_org_cost ON entries (organization_id, cost_nanos, id);
  CREATE INDEX entries_org_duration ON entries (organization_id, duration_ms, id);
`;

/**
 * GenAI events that came as OTLP log records (log-join.ts), kept in the day
 * of their time whether or not their span's entry is written yet; retention
 * drops them with the day. An entry stays immutable but for its `inputs` /
 * `outputs`, which only the join rewrites, with `message_join.active` set
 * inside its transaction.
 */
const LOG_MESSAGES = `
  CREATE TABLE log_messages (
    organization_id TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    log_id TEXT NOT NULL,
    time_us INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (organization_id, trace_id, span_id, log_id)
  ) WITHOUT ROWID;
  CREATE INDEX log_messages_org_time ON log_messages (organization_id, time_us);
  CREATE TABLE message_join (id INTEGER PRIMARY KEY CHECK (id = 1), active INTEGER NOT NULL);
  INSERT INTO message_join (id, active) VALUES (1, 0);
  DROP TRIGGER entries_immutable;
  CREATE TRIGGER entries_immutable BEFORE UPDATE OF
    seq, id, organization_id, run_id, trace_id, span_id, parent_span_id, is_root, name, kind, outcome, status_message,
    ts_us, end_us, duration_ms, cost_nanos, model, provider, input_tokens, output_tokens, total_tokens, agent_id, service_name, user_id, compliance, tags, attributes, truncated_fields, redactions
    ON entries
    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
  CREATE TRIGGER entries_messages_by_join_only BEFORE UPDATE OF inputs, outputs ON entries
    WHEN (SELECT active FROM message_join WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
`;

/**
 * What the mappers read from a span's conventions (model/entry-details.ts),
 * as JSON. Rows of older partitions keep NULL here and are read through the
 * mappers applied to their attributes (collector/normalize/stored-details.ts):
 * answers stay the same without rewriting immutable rows.
 */
const ENTRY_DETAILS = `
  ALTER TABLE entries ADD COLUMN details TEXT;
  DROP TRIGGER entries_immutable;
  CREATE TRIGGER entries_immutable BEFORE UPDATE OF
    seq, id, organization_id, run_id, trace_id, span_id, parent_span_id, is_root, name, kind, outcome, status_message,
    ts_us, end_us, duration_ms, cost_nanos, model, provider, input_tokens, output_tokens, total_tokens, agent_id, service_name, user_id, compliance, tags, attributes, truncated_fields, redactions, details
    ON entries
    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
`;

/**
 * Entities extracted at ingest (model/entities.ts): the entry's own list in
 * `entries.entities` (JSON, NULL for none, what the API shows), and one row
 * per (type, value) in `entities`, written in the entry's transaction and
 * deleted with it by retention. The key leads with (organization, type,
 * value, time), so a timeline or an `entities.<type>:value` filter seeks
 * straight to an entity's rows in time order, and a value prefix is a range.
 * Entries written before this step have none (they are not re-read).
 */
const ENTITIES = `
  ALTER TABLE entries ADD COLUMN entities TEXT;
  CREATE TABLE entities (
    organization_id TEXT NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    ts_us INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (organization_id, type, value, ts_us, seq)
  ) WITHOUT ROWID;
  CREATE INDEX entities_seq ON entities (seq);
  DROP TRIGGER entries_immutable;
  CREATE TRIGGER entries_immutable BEFORE UPDATE OF
    seq, id, organization_id, run_id, trace_id, span_id, parent_span_id, is_root, name, kind, outcome, status_message,
    ts_us, end_us, duration_ms, cost_nanos, model, provider, input_tokens, output_tokens, total_tokens, agent_id, service_name, user_id, compliance, tags, attributes, truncated_fields, redactions, details, entities
    ON entries
    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
  CREATE TRIGGER entities_immutable BEFORE UPDATE ON entities
    BEGIN SELECT RAISE(ABORT, 'ledger entities are immutable'); END;
  CREATE TRIGGER entities_retention_only BEFORE DELETE ON entities
    WHEN (SELECT active FROM retention_sweep WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'ledger entities are deleted only by the retention sweep'); END;
`;

/** In order; a partition's `user_version` counts those applied. */
const PARTITION_MIGRATIONS = [PARTITION_SCHEMA, SORT_INDEXES_END_IN_ID, LOG_MESSAGES, ENTRY_DETAILS, ENTITIES];

export const PARTITION_VERSION = PARTITION_MIGRATIONS.length;

/**
 * Creates a new partition's tables, or brings an older partition's up to
 * date (its writer does, when it opens it); the caller makes a new file
 * appear only once this committed (partition-files.ts).
 */
export function migratePartition(db: Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version >= PARTITION_VERSION) return;
    for (const step of PARTITION_MIGRATIONS.slice(version)) db.exec(step);
    db.pragma(`user_version = ${PARTITION_VERSION}`);
    // new indexes over existing rows: statistics now, or the planner may sort a day by the wrong one
    if (version > 0) db.exec('PRAGMA analysis_limit = 1000; ANALYZE;');
  }).immediate();
}
