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
  runs: string;
  organizations: string;
  apiKeys: string;
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
    runs: `${prefix}-runs`,
    organizations: `${prefix}-organizations`,
    apiKeys: `${prefix}-api-keys`,
  };
}

/** `<prefix>-entries-YYYY.MM` of the month (UTC) an entry started in. */
export function entryIndexFor(names: IndexNames, startUs: number): string {
  const d = new Date(Math.floor(startUs / 1000));
  const month = String(d.getUTCMonth() + 1).padStart(2, '0');
  return `${names.prefix}-entries-${String(d.getUTCFullYear()).padStart(4, '0')}.${month}`;
}

/** A run's `_id`: the run id is a UUID, so the organization before the last `/` is unambiguous. */
export function runDocId(organizationId: string, runId: string): string {
  return `${organizationId}/${runId}`;
}
