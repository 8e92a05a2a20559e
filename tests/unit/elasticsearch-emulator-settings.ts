/**
 * Index settings in the emulator (elasticsearch-emulator.ts), checked as a
 * 9.x cluster checks them on index creation and on a template put: a
 * setting name the cluster does not know is refused (`unknown setting`), so
 * are a shard count outside 1-1024, a negative replica count and a refresh
 * interval that is not a time value. Only the settings the store sends (and
 * a few an operator adds) are known here. Written from the Elasticsearch
 * reference, NOT checked against a server.
 */
export type FlatSettings = Record<string, string>;

const TIME = /^(-1|0|[0-9]+(nanos|micros|ms|s|m|h|d))$/;
const integer = (min: number, max: number) => (v: string) => /^-?[0-9]+$/.test(v) && Number(v) >= min && Number(v) <= max;

/** The known settings and what each accepts; `index.analysis.*` and `index.blocks.*` are groups. */
const KNOWN: Record<string, (value: string) => boolean> = {
  'index.number_of_shards': integer(1, 1024),
  'index.number_of_replicas': integer(0, Number.MAX_SAFE_INTEGER),
  'index.number_of_routing_shards': integer(1, 1024),
  'index.refresh_interval': (v) => TIME.test(v),
  'index.max_result_window': integer(1, 2 ** 31 - 1),
  'index.lifecycle.name': (v) => v.length > 0,
  'index.auto_expand_replicas': (v) => /^([0-9]+-([0-9]+|all)|false)$/.test(v),
};
const GROUPS = ['index.analysis.', 'index.blocks.'];

/** `{ number_of_shards: 1, analysis: {…} }` or `{ "index.number_of_shards": "1" }`, as a cluster reads either, into `index.`-prefixed flat names with string values. */
export function flattenSettings(settings: unknown, prefix = ''): FlatSettings {
  const out: FlatSettings = {};
  for (const [key, value] of Object.entries((settings ?? {}) as Record<string, unknown>)) {
    const name = prefix + key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) Object.assign(out, flattenSettings(value, `${name}.`));
    else out[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  if (prefix) return out;
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k.startsWith('index.') ? k : `index.${k}`, v]));
}

/** The refusal a cluster answers for these settings, or null. */
export function checkSettings(settings: FlatSettings): string | null {
  for (const [name, value] of Object.entries(settings)) {
    if (GROUPS.some((g) => name.startsWith(g))) continue;
    const accepts = KNOWN[name];
    if (!accepts) return `unknown setting [${name}] please check that any required plugins are installed, or check the breaking changes documentation for removed settings`;
    if (!accepts(value)) return `Failed to parse value [${value}] for setting [${name}]`;
  }
  return null;
}

/** What GET <index>/_settings shows: the index's own, over a cluster's defaults for an index created without them. */
export function withDefaults(settings: FlatSettings): FlatSettings {
  return { 'index.number_of_shards': '1', 'index.number_of_replicas': '1', ...settings };
}

/** Flat names back into the nested form GET <index>/_settings answers by default. */
export function nestSettings(flat: FlatSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flat)) {
    const parts = name.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return out;
}
