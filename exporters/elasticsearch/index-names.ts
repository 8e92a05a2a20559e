import { createHash } from 'node:crypto';

/**
 * Where everything lives, from one prefix. Entries go to one index a month,
 * named by the entry's start time (UTC): a re-delivered span has the same
 * start time, so it lands on the same index and meets its own `_id` there,
 * and `op_type: create` answers 409. That is why this is not a data stream
 * with rollover: rollover picks the backing index by *arrival* time, so a
 * copy arriving after a rollover would be created again in the new backing
 * index and the entry would exist twice.
 */
export interface IndexNames {
  prefix: string;
  /** Every monthly entry index: reads go through this pattern (empty, not an error, before the first write). */
  entriesPattern: string;
  /** An alias every monthly index joins (for Kibana and operators; reads use the pattern). */
  entriesAlias: string;
  entriesTemplate: string;
  /** Runs per (organization, run, user): run-rollup.ts. */
  runs: string;
  /** Markers of counted entries, per (run, batch) and per late-counted entry: run-markers.ts. */
  runApplied: string;
  /** Hourly stats rollups per (organization, hour, dimension, key), and their coverage: stats-rollups.ts, rollup-coverage.ts. */
  rollups: string;
  /** Runs per (organization, run) as earlier versions kept them: rebuilt into `runs`, then deleted (schema.ts). */
  legacyRuns: string;
  organizations: string;
  apiKeys: string;
  /** GenAI events from OTLP logs, one document each, held for their span's entry (log-messages.ts). */
  logMessages: string;
  /** Saved searches (saved-search-store.ts). */
  savedSearches: string;
}

/** Index names are lower case and avoid the characters Elasticsearch refuses. */
const PREFIX = /^[a-z0-9][a-z0-9_.-]{0,100}$/;

export function indexNames(prefix: string): IndexNames {
  if (!PREFIX.test(prefix)) {
    throw new Error(`\`elasticsearch.index_prefix\` must be lower-case letters, digits, "_", "." or "-" (and not start with "_", "." or "-"): ${JSON.stringify(prefix)}`);
  }
  return {
    prefix,
    entriesPattern: `${prefix}-entries-*`,
    entriesAlias: `${prefix}-entries`,
    entriesTemplate: `${prefix}-entries`,
    runs: `${prefix}-runs-by-user`,
    runApplied: `${prefix}-run-applied`,
    rollups: `${prefix}-rollups`,
    legacyRuns: `${prefix}-runs`,
    organizations: `${prefix}-organizations`,
    apiKeys: `${prefix}-api-keys`,
    logMessages: `${prefix}-log-messages`,
    savedSearches: `${prefix}-saved-searches`,
  };
}

/** `<prefix>-entries-YYYY.MM` of the month (UTC) an entry started in. */
export function entryIndexFor(names: IndexNames, startUs: number): string {
  const d = new Date(Math.floor(startUs / 1000));
  const month = String(d.getUTCMonth() + 1).padStart(2, '0');
  return `${names.prefix}-entries-${String(d.getUTCFullYear()).padStart(4, '0')}.${month}`;
}

/** A run's `user_key`: its user, or '' for spans with no user (no user id is empty), so runs sort and filter without nulls. */
export function runUserKey(userId: string | null): string {
  return userId ?? '';
}

/**
 * A run's `_id`: organization / run / user. The user is hashed (any length
 * fits the 512-byte `_id`, and no user id reads as another's), `-` for no
 * user; the run id is a UUID and the last part holds no `/`, so the
 * organization before them is unambiguous.
 */
export function runDocId(organizationId: string, runId: string, userId: string | null): string {
  return `${organizationId}/${runId}/${userId === null ? '-' : createHash('sha256').update(userId).digest('base64url')}`;
}
