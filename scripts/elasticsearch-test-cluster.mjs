// Helper of scripts/test-es.sh (plain Node, no build needed):
//   wait  - until the cluster at ELASTICSEARCH_URL answers with its primaries allocated (yellow or green), up to ELASTICSEARCH_WAIT_SECONDS (180)
//   clean - deletes what the test run created: indices, index templates and stored scripts named agent-ledger-e2e-* or conformance-*
// Credentials as the conformance suite reads them: ELASTICSEARCH_API_KEY, or ELASTICSEARCH_USERNAME / _PASSWORD; ELASTICSEARCH_CA_FILE.
import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';

const env = process.env;
const auth = env.ELASTICSEARCH_API_KEY
  ? { apiKey: env.ELASTICSEARCH_API_KEY }
  : env.ELASTICSEARCH_USERNAME
    ? { username: env.ELASTICSEARCH_USERNAME, password: env.ELASTICSEARCH_PASSWORD ?? '' }
    : undefined;
const client = new Client({
  node: env.ELASTICSEARCH_URL,
  ...(auth ? { auth } : {}),
  ...(env.ELASTICSEARCH_CA_FILE ? { tls: { ca: readFileSync(env.ELASTICSEARCH_CA_FILE) } } : {}),
  requestTimeout: 10_000,
  maxRetries: 0,
});
const TEST_PREFIXES = ['agent-ledger-e2e-', 'conformance-'];

async function wait() {
  const seconds = Number(env.ELASTICSEARCH_WAIT_SECONDS) || 180;
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const health = await client.cluster.health({ wait_for_status: 'yellow', timeout: '5s' });
      if (!health.timed_out) {
        const info = await client.info();
        console.log(`elasticsearch ${info.version.number}: cluster ${health.cluster_name} is ${health.status}`);
        return;
      }
      last = `status ${health.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  console.error(`elasticsearch: not healthy within ${seconds} s (${last})`);
  process.exit(1);
}

async function clean() {
  let n = 0;
  for (const prefix of TEST_PREFIXES) {
    // by name: wildcard deletes are refused by default (action.destructive_requires_name)
    const indices = Object.keys(await client.indices.get({ index: `${prefix}*`, expand_wildcards: 'all', ignore_unavailable: true, allow_no_indices: true }));
    for (const index of indices) (await client.indices.delete({ index }, { ignore: [404] }), n++);
    const templates = await client.indices.getIndexTemplate({ name: `${prefix}*` }, { ignore: [404] });
    for (const t of templates.index_templates ?? []) (await client.indices.deleteIndexTemplate({ name: t.name }, { ignore: [404] }), n++);
  }
  const state = await client.cluster.state({ metric: 'metadata', filter_path: 'metadata.stored_scripts' });
  for (const id of Object.keys(state.metadata?.stored_scripts ?? {})) {
    if (TEST_PREFIXES.some((p) => id.startsWith(p))) (await client.deleteScript({ id }, { ignore: [404] }), n++);
  }
  console.log(`elasticsearch: removed ${n} test indices, templates and scripts`);
}

const command = process.argv[2];
try {
  if (command === 'wait') await wait();
  else if (command === 'clean') await clean();
  else throw new Error(`usage: node scripts/elasticsearch-test-cluster.mjs wait|clean (got ${command})`);
} catch (err) {
  console.error(`elasticsearch: ${command}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
