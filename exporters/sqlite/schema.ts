import type { Database } from './driver.js';
import { rebuildRunsByUser } from './runs-by-user-migration.js';

/**
/**
 * Times are integer µs, cost integer nano-USD (`cost_nanos`). Rows in `runs`
 * are rollups per (organization, run, user) kept at write time from
 * inserted entries only (run-rollup.ts); run status is derived from them,
 * never written into an entry.
 */
/** SQL, or a step that needs to look before it changes (still inside the migration's transaction). */
type Migration = string | ((db: Database) => void);

/** In order; `user_version` counts those applied. */
export const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE entries (
    seq INTEGER PRIMARY KEY,
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
    cost_micros INTEGER NOT NULL,
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
    truncated_fields TEXT NOT NULL
  );
  CREATE UNIQUE INDEX entries_id ON entries (id);
  -- Every documented filter and sort has an index. Ties (rare: equal times,
  -- costs, durations or names) are ordered by id in a small sort after the
  -- index scan, so the id need not widen every index: measured 1.3x faster
  -- ingest than indexes ending in id. The time index keeps it: deep pages of
  -- the default sort are then counted off the index alone.
  CREATE INDEX entries_org_ts ON entries (organization_id, ts_us, id);
  CREATE INDEX entries_org_outcome_ts ON entries (organization_id, outcome, ts_us);
  CREATE INDEX entries_org_outcome_cost ON entries (organization_id, outcome, cost_micros);
  CREATE INDEX entries_org_name_ts ON entries (organization_id, name, ts_us);
  CREATE INDEX entries_org_agent_ts ON entries (organization_id, agent_id, ts_us);
  CREATE INDEX entries_org_run_ts ON entries (organization_id, run_id, ts_us);
  CREATE INDEX entries_org_cost ON entries (organization_id, cost_micros);
  CREATE INDEX entries_org_duration ON entries (organization_id, duration_ms);

  CREATE TABLE runs (
    organization_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    agent_id TEXT,
    user_id TEXT,
    start_us INTEGER NOT NULL,
    end_us INTEGER NOT NULL,
    action_count INTEGER NOT NULL,
    cost_micros INTEGER NOT NULL,
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
    PRIMARY KEY (organization_id, run_id)
  ) WITHOUT ROWID;
  CREATE INDEX runs_org_start ON runs (organization_id, start_us, run_id);
  CREATE INDEX runs_org_cost ON runs (organization_id, cost_micros, run_id);
  CREATE INDEX runs_org_agent_start ON runs (organization_id, agent_id, start_us, run_id);

  -- stats rollups kept at write time from inserted entries; hour = -1 holds all-time totals
  CREATE TABLE rollup_outcome (
    organization_id TEXT NOT NULL, hour INTEGER NOT NULL, outcome TEXT NOT NULL,
    n INTEGER NOT NULL, cost_micros INTEGER NOT NULL, duration_us INTEGER NOT NULL,
    PRIMARY KEY (organization_id, hour, outcome)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_agent (
    organization_id TEXT NOT NULL, hour INTEGER NOT NULL, agent_id TEXT NOT NULL,
    n INTEGER NOT NULL, cost_micros INTEGER NOT NULL,
    PRIMARY KEY (organization_id, hour, agent_id)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_name (
    organization_id TEXT NOT NULL, hour INTEGER NOT NULL, name TEXT NOT NULL,
    n INTEGER NOT NULL, cost_micros INTEGER NOT NULL,
    PRIMARY KEY (organization_id, hour, name)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_duration (
    organization_id TEXT NOT NULL, hour INTEGER NOT NULL, bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (organization_id, hour, bucket)
  ) WITHOUT ROWID;

  -- distinct action names and agent ids per organization: the seed's substring
  -- search matches these few values, then uses the entry indexes
  CREATE TABLE search_terms (
    organization_id TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (organization_id, field, value)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    user_id TEXT,
    role TEXT NOT NULL,
    scopes TEXT NOT NULL,
    name TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
  );
  CREATE INDEX api_keys_prefix ON api_keys (prefix);
  CREATE INDEX api_keys_org ON api_keys (organization_id);
  `,
  `
  ALTER TABLE entries ADD COLUMN redactions INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- Full text for \`q\` (fulltext-index.ts): rowid = entries.seq; the text is
  -- pre-tokenised in JS (fts-text.ts), so FTS5 keeps each token as it is.
  -- Contentless: the entry holds the text, the index only its tokens;
  -- contentless_delete lets retention remove rows.
  CREATE VIRTUAL TABLE entries_fts USING fts5(
    text, content = '', contentless_delete = 1, tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
  );
  CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  -- entries written before this migration are indexed when a writer next starts
  INSERT INTO ledger_meta (key, value)
    SELECT 'fulltext', CASE WHEN EXISTS (SELECT 1 FROM entries) THEN 'stale' ELSE 'complete' END;
  `,
  `
  -- Agents (exporters/agent-store.ts). The agent row holds write-time state:
  -- counters of its ledger entries, its activity chain head, and its trust
  -- state (model/trust-score.ts: counts decayed to trust_ref_us).
  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    asn TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    last_seen_us INTEGER,
    action_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    cost_micros INTEGER NOT NULL DEFAULT 0,
    chain_length INTEGER NOT NULL DEFAULT 0,
    chain_head TEXT,
    chain_head_us INTEGER,
    trust_ref_us INTEGER,
    trust_successes REAL NOT NULL DEFAULT 0,
    trust_errors REAL NOT NULL DEFAULT 0,
    trust_blocked REAL NOT NULL DEFAULT 0,
    trust_incidents_info REAL NOT NULL DEFAULT 0,
    trust_incidents_warning REAL NOT NULL DEFAULT 0,
    trust_incidents_error REAL NOT NULL DEFAULT 0,
    trust_incidents_critical REAL NOT NULL DEFAULT 0
  );
  CREATE INDEX agents_org_created ON agents (organization_id, created_us, id);
  -- the agent_id strings spans carry, unique within an organization
  CREATE TABLE agent_external_ids (
    organization_id TEXT NOT NULL,
    external_id TEXT NOT NULL,
    agent_id TEXT NOT NULL REFERENCES agents (id),
    PRIMARY KEY (organization_id, external_id)
  ) WITHOUT ROWID;
  CREATE INDEX agent_external_ids_agent ON agent_external_ids (agent_id, external_id);

  -- Append-only, hash-chained per agent (model/activity-hash.ts).
  CREATE TABLE activity_events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    severity TEXT NOT NULL,
    metadata TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (agent_id, sequence)
  );
  CREATE INDEX activity_agent_created ON activity_events (agent_id, created_us);
  CREATE INDEX activity_agent_type_created ON activity_events (agent_id, event_type, created_us);
  CREATE INDEX activity_org_created ON activity_events (organization_id, created_us);
  -- what retention leaves of a chained event: its place and its hash, so the chain still verifies
  CREATE TABLE activity_tombstones (
    agent_id TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    swept_us INTEGER NOT NULL,
    PRIMARY KEY (agent_id, sequence)
  ) WITHOUT ROWID;

  -- Every state change of an agent, with who made it (agent-actions-feed.txt LifecycleEvent).
  CREATE TABLE lifecycle_events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    event_type TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor_type TEXT,
    actor_id TEXT,
    error TEXT,
    ts_us INTEGER NOT NULL
  );
  CREATE INDEX lifecycle_agent_ts ON lifecycle_events (agent_id, ts_us);
  CREATE INDEX lifecycle_org_ts ON lifecycle_events (organization_id, ts_us);

  -- Per-organization retention (null: the configured default) and the public activity view.
  ALTER TABLE organizations ADD COLUMN retention_days INTEGER;
  ALTER TABLE organizations ADD COLUMN public_activity INTEGER NOT NULL DEFAULT 1;

  -- Immutability in the store itself. Deletion is allowed only while the
  -- retention sweep runs: it sets retention_sweep.active inside its own
  -- transaction (retention-sweeper.ts), so no other connection ever sees it set.
  CREATE TABLE retention_sweep (id INTEGER PRIMARY KEY CHECK (id = 1), active INTEGER NOT NULL);
  INSERT INTO retention_sweep (id, active) VALUES (1, 0);
  CREATE TRIGGER activity_events_immutable BEFORE UPDATE ON activity_events
    BEGIN SELECT RAISE(ABORT, 'activity events are immutable'); END;
  CREATE TRIGGER activity_events_retention_only BEFORE DELETE ON activity_events
    WHEN (SELECT active FROM retention_sweep WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'activity events are deleted only by the retention sweep'); END;
  CREATE TRIGGER activity_tombstones_immutable BEFORE UPDATE ON activity_tombstones
    BEGIN SELECT RAISE(ABORT, 'activity tombstones are immutable'); END;
  CREATE TRIGGER activity_tombstones_kept BEFORE DELETE ON activity_tombstones
    BEGIN SELECT RAISE(ABORT, 'activity tombstones are never deleted'); END;
  CREATE TRIGGER lifecycle_events_immutable BEFORE UPDATE ON lifecycle_events
    BEGIN SELECT RAISE(ABORT, 'lifecycle events are immutable'); END;
  CREATE TRIGGER lifecycle_events_retention_only BEFORE DELETE ON lifecycle_events
    WHEN (SELECT active FROM retention_sweep WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'lifecycle events are deleted only by the retention sweep'); END;
  CREATE TRIGGER entries_immutable BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, 'ledger entries are immutable'); END;
  CREATE TRIGGER entries_retention_only BEFORE DELETE ON entries
    WHEN (SELECT active FROM retention_sweep WHERE id = 1) IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'ledger entries are deleted only by the retention sweep'); END;
  `,
  `
  -- First write wins on (organization, run, span) instead of the entry id: the
  -- id is a hash of exactly these (the run id is the trace id), but a hash is
  -- random, so at 10M entries every commit rewrote nearly every page of its
  -- index; a run's spans arrive together, so this key touches a few pages a
  -- commit. The same index serves run_id filters (a run's rows, then sorted).
  CREATE UNIQUE INDEX entries_org_run_span ON entries (organization_id, run_id, span_id);
  DROP INDEX entries_id;
  DROP INDEX entries_org_run_ts;
  `,
  nanoCosts,
  // runs per (organization, run, user), rebuilt from the entries
  rebuildRunsByUser,
  `
  -- An agent's counters per user of its entries (agent-ingest.ts), so a user
  -- role sees the agent's usage by their own actions only. Lifetime counters
  -- like the agent row's: kept at write time, never lowered by retention;
  -- here filled from the entries still held (rebuilt whole if met again).
  DROP TABLE IF EXISTS agent_user_usage;
  CREATE TABLE agent_user_usage (
    agent_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    action_count INTEGER NOT NULL,
    error_count INTEGER NOT NULL,
    cost_nanos INTEGER NOT NULL,
    last_seen_us INTEGER NOT NULL,
    PRIMARY KEY (agent_id, user_id)
  ) WITHOUT ROWID;
  INSERT INTO agent_user_usage (agent_id, user_id, action_count, error_count, cost_nanos, last_seen_us)
    SELECT x.agent_id, e.user_id, count(*), sum(e.outcome = 'error'), sum(e.cost_nanos), max(e.ts_us)
    FROM entries e JOIN agent_external_ids x ON x.organization_id = e.organization_id AND x.external_id = e.agent_id
    WHERE e.user_id IS NOT NULL
    GROUP BY x.agent_id, e.user_id;
  `,
  `
  -- The ledger's entries live in partition files (partition-files.ts), this
  -- database is their catalog. Per partition: the highest seq whose rows the
  -- catalog's runs and agents include (catalog-apply.ts), and whether it is
  -- being dropped (partition-retention.ts). Entries written before are moved
  -- into partitions when a writer next starts (partition-move.ts).
  CREATE TABLE ledger_partitions (
    name TEXT PRIMARY KEY,
    applied_seq INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'live'
  ) WITHOUT ROWID;
  `,
  `
  -- Saved searches (exporters/saved-search-store.ts): text only, re-parsed
  -- when run; listed per organization newest first.
  CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,
    owner_type TEXT NOT NULL,
    owner_id TEXT,
    created_us INTEGER NOT NULL
  );
  CREATE INDEX saved_searches_org_created ON saved_searches (organization_id, created_us, id);
  `,
];

/**
 * Costs in nano-USD instead of micro-USD (DESIGN.md "Pricing": micro-USD
 * rounded a 10-token embedding call to zero): every `cost_micros` column
 * becomes `cost_nanos`, its values scaled by 1000 exactly. Only tables that
 * still have the old column are touched, so the step is safe to meet twice
 * and in any order with steps that rebuild a table. Entries are immutable by
 * trigger: the trigger is lifted for this one rescale, inside the
 * migration's transaction, and put back exactly as it was.
 */
export function nanoCosts(db: Database): void {
  for (const table of ['entries', 'runs', 'rollup_outcome', 'rollup_agent', 'rollup_name', 'agents']) {
    const columns = db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(table) as string[];
    if (!columns.includes('cost_micros')) continue;
    const triggers = db
      .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ? AND sql LIKE '%BEFORE UPDATE%'")
      .all(table) as Array<{ name: string; sql: string }>;
    for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
    db.exec(`ALTER TABLE ${table} RENAME COLUMN cost_micros TO cost_nanos`);
    db.exec(`UPDATE ${table} SET cost_nanos = cost_nanos * 1000 WHERE cost_nanos <> 0`);
    for (const t of triggers) db.exec(t.sql);
  }
}

/** Several processes may open one database at once (roles): each step re-reads the version under the write lock. */
export function migrate(db: Database, target = MIGRATIONS.length): void {
  for (;;) {
    const applied = db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version >= target) return false;
      const step = MIGRATIONS[version];
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${version + 1}`);
      return true;
    }).immediate();
    if (!applied) return;
  }
}

/** Settings of a connection that writes entries; `cacheMib` is its page cache (measured: 512 MiB writes 1.25x faster at 2M entries than 128). */
export function configureConnection(db: Database, synchronous: 'FULL' | 'NORMAL', cacheMib = 128): void {
  db.pragma('busy_timeout = 5000');
  // Takes effect only on a new database (before WAL): larger pages measured ~1.2x faster inserts.
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma(`cache_size = ${-Math.round(cacheMib * 1024)}`);
  db.pragma('temp_store = MEMORY');
}
