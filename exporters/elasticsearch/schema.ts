import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from './index-names.js';
import { entryTemplate, fixedIndices, type IndexLayout } from './mappings.js';
import { RUN_ROLLUP_SCRIPT } from './run-rollup.js';

/**
 * Puts the entry template (indices are created by the first write of a
 * month), the fixed indices and the rollup script. Safe to run from every
 * process at every start: the template and script are replaced with
 * themselves, an index that exists is left as it is.
 */
export async function ensureSchema(client: Client, names: IndexNames, scriptId: string, layout: IndexLayout): Promise<void> {
  await client.indices.putIndexTemplate(entryTemplate(names, layout));
  await client.putScript({ id: scriptId, script: { lang: 'painless', source: RUN_ROLLUP_SCRIPT } });
  for (const index of fixedIndices(names, layout)) {
    try {
      await client.indices.create(index);
    } catch (err) {
      const type = (err as { body?: { error?: { type?: string } } }).body?.error?.type;
      if (type !== 'resource_already_exists_exception') throw err;
    }
  }
}
