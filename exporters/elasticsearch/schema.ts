import type { Client, estypes } from '@elastic/elasticsearch';
import type { IndexNames } from './index-names.js';
import type { IndexLayout } from './index-layout.js';
import { entryTemplate, fixedIndices, MAPPING_VERSION } from './mappings.js';
import { RUN_ROLLUP_SCRIPT } from './run-rollup.js';
import { STATS_ROLLUP_SCRIPT, statsScriptId } from './stats-rollups.js';

/**
 * Puts the entry template (indices are created by the first write of a
 * month), the fixed indices and the rollup scripts (runs, stats), and brings the mappings
 * of indices an older release created up to MAPPING_VERSION. Safe to run
 * from every process at every start, several at once: the template and
 * script are replaced with themselves, an index that exists is left as it
 * is, put-mapping with the same fields changes nothing.
 */
export async function ensureSchema(client: Client, names: IndexNames, scriptId: string, layout: IndexLayout): Promise<void> {
  if (layout.entries.ilmPolicy !== null) await checkPolicy(client, layout.entries.ilmPolicy);
  const template = entryTemplate(names, layout);
  if ((await templateVersion(client, template.name)) <= MAPPING_VERSION) await client.indices.putIndexTemplate(template);
  await client.putScript({ id: scriptId, script: { lang: 'painless', source: RUN_ROLLUP_SCRIPT } });
  await client.putScript({ id: statsScriptId(names), script: { lang: 'painless', source: STATS_ROLLUP_SCRIPT } });
  // the months already there: each new month's index takes the template above
  await migrateMappings(client, names.entriesPattern, template.template!.mappings!);
  for (const index of fixedIndices(names, layout)) await ensureIndex(client, index);
}

/**
 * A lifecycle name with no policy behind it is accepted by the cluster and
 * silently manages nothing (the index's ILM explain reports the error), so
 * start-up refuses it instead. A key without `read_ilm` (403) cannot look:
 * the name is then trusted.
 */
async function checkPolicy(client: Client, name: string): Promise<void> {
  try {
    await client.ilm.getLifecycle({ name });
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 403) return;
    if (status === 404) {
      throw new Error(`elasticsearch.ilm_policy: the cluster has no lifecycle policy "${name}"; put it first (PUT _ilm/policy/${name}, e.g. deploy/elasticsearch/ilm-entries-policy.json)`);
    }
    throw err;
  }
}

/** Creates a fixed index, or brings an existing one's mapping up to MAPPING_VERSION. */
export async function ensureIndex(client: Client, index: estypes.IndicesCreateRequest): Promise<void> {
  try {
    await client.indices.create(index);
  } catch (err) {
    const type = (err as { body?: { error?: { type?: string } } }).body?.error?.type;
    if (type !== 'resource_already_exists_exception') throw err;
    await migrateMappings(client, index.index, index.mappings!);
  }
}

function versionOf(meta: estypes.Metadata | undefined): number {
  const v = Number(meta?.mapping_version ?? 0);
  return Number.isFinite(v) ? v : 0;
}

/** The stored template's mapping version (0: none, or one from before versions). */
async function templateVersion(client: Client, name: string): Promise<number> {
  const r = await client.indices.getIndexTemplate({ name }, { ignore: [404] });
  const found = r.index_templates?.find((t) => t.name === name)?.index_template;
  return found ? Math.max(found.version ?? 0, versionOf(found._meta)) : 0;
}

/**
 * Adds this release's fields to every index of `pattern` whose mapping is
 * older. Additive only: a field whose type changed is refused by the
 * cluster, and start-up fails naming the index (a reindex is then needed).
 */
async function migrateMappings(client: Client, pattern: string, mappings: estypes.MappingTypeMapping): Promise<void> {
  const current = await client.indices.getMapping({ index: pattern, ignore_unavailable: true, allow_no_indices: true });
  for (const [index, { mappings: stored }] of Object.entries(current)) {
    if (versionOf(stored?._meta) >= MAPPING_VERSION) continue;
    try {
      await client.indices.putMapping({ index, dynamic: mappings.dynamic, properties: mappings.properties, _meta: mappings._meta });
    } catch (err) {
      throw new Error(`index ${index}: cannot bring its mapping to version ${MAPPING_VERSION}: ${(err as Error).message}`, { cause: err });
    }
  }
}
