import type { estypes } from '@elastic/elasticsearch';

/**
 * Shards, replicas and lifecycle of each kind of index (README, "Sizing
 * Elasticsearch"). Settings reach an index only when it is created: the
 * entries template is put again at every start (schema.ts), so a change
 * applies from the next month's index; the fixed indices (runs, markers,
 * agents, credentials) keep what they were created with (`_split` and
 * `PUT <index>/_settings` change them in place).
 */
export interface IndexSizing {
  shards: number;
  /** null keeps the cluster's default (1). */
  replicas: number | null;
}

export interface IndexLayout {
  entries: IndexSizing & {
    /** index.refresh_interval: how soon reads see a write. */
    refreshInterval: string;
    /** index.lifecycle.name of every new month's index; null: none. */
    ilmPolicy: string | null;
  };
  runs: IndexSizing;
  runMarkers: IndexSizing;
  agents: IndexSizing;
  /** Organizations, API keys and saved searches: always one shard. */
  credentials: IndexSizing;
}

/** The store's options (config `elasticsearch.*`): a per-kind value left out (or null) takes the general one. */
export interface IndexLayoutOptions {
  /** Primaries of the entries, runs and run-marker indices (default 1). */
  shards?: number;
  /** Replicas of every index (default null: the cluster's). */
  replicas?: number | null;
  entriesShards?: number | null;
  entriesReplicas?: number | null;
  runsShards?: number | null;
  runsReplicas?: number | null;
  runMarkersShards?: number | null;
  runMarkersReplicas?: number | null;
  /** Primaries of each agents index (default 1: they hold one document per agent, per agent and user, per activity event). */
  agentsShards?: number | null;
  agentsReplicas?: number | null;
  entriesRefreshInterval?: string;
  ilmPolicy?: string | null;
}

export const DEFAULT_ENTRIES_REFRESH_INTERVAL = '1s';

export function indexLayout(o: IndexLayoutOptions = {}): IndexLayout {
  const shards = o.shards ?? 1;
  const replicas = o.replicas ?? null;
  const sized = (s: number | null | undefined, r: number | null | undefined, defaultShards = shards): IndexSizing => ({ shards: s ?? defaultShards, replicas: r ?? replicas });
  return {
    entries: {
      ...sized(o.entriesShards, o.entriesReplicas),
      refreshInterval: o.entriesRefreshInterval ?? DEFAULT_ENTRIES_REFRESH_INTERVAL,
      ilmPolicy: o.ilmPolicy ?? null,
    },
    runs: sized(o.runsShards, o.runsReplicas),
    runMarkers: sized(o.runMarkersShards, o.runMarkersReplicas),
    agents: sized(o.agentsShards, o.agentsReplicas, 1),
    credentials: { shards: 1, replicas },
  };
}

/** `number_of_shards`, and `number_of_replicas` unless the cluster's default is kept. */
export function sizingSettings(s: IndexSizing): estypes.IndicesIndexSettings {
  return { number_of_shards: s.shards, ...(s.replicas === null ? {} : { number_of_replicas: s.replicas }) };
}
