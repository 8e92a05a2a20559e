import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startServerProcess } from '../tests/helpers/server-process.js';
import { ensureCorpus } from './corpus.js';
import { runExport } from './export-bench.js';
import { measureBullMqIngest } from './bullmq-ingest.js';
import { runIngest } from './ingest-bench.js';
import { memoryOf } from './measure.js';
import { runQueries, type QueryPattern } from './query-bench.js';
import { measureStoreCeiling, SERVER_COMMIT_ROWS } from './store-ceiling.js';
import { fullTextPatterns, indexSize, ingestWithoutIndex } from './fulltext-bench.js';
import { printResults } from './report.js';
import { entityHost } from './traffic-generator.js';
import { partitionsDirOf } from '../exporters/sqlite/ledger-writer.js';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '200000' },
    // a fleet of agents exporting at once; one OTel Collector's exporter alone runs 10 senders
    clients: { type: 'string', default: '32' },
    seed: { type: 'string', default: '7' },
    repeat: { type: 'string', default: '30' },
    'export-rows': { type: 'string', default: '100000' },
    'cache-dir': { type: 'string', default: '.bench-cache' },
    'results-dir': { type: 'string', default: 'bench/results' },
    'skip-ceiling': { type: 'boolean', default: false },
    // stop the ceiling's writes after this many seconds (it then covers the rows reached, said in the table)
    'ceiling-seconds': { type: 'string' },
    // issue #7's on/off comparison ingests everything a second time: skippable for the largest runs
    'skip-index-off': { type: 'boolean', default: false },
  },
});

const entries = Number(values.entries);
const clients = Number(values.clients);
const repeat = Number(values.repeat);
const exportRows = Math.min(Number(values['export-rows']), entries);
const SPANS_PER_REQUEST = 500;

const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};

function log(message: string) {
  process.stderr.write(`[bench] ${message}\n`);
}

async function main() {
  log(`machine: ${machine.cores} cores, ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node}`);
  log(`generating or reusing ${entries} spans of traffic`);
  const corpus = await ensureCorpus(resolve(values['cache-dir']!), entries, Number(values.seed), SPANS_PER_REQUEST);
  const work = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
  try {
    // The benchmark is one client asking thousands of queries: lift the per-credential hourly limits.
    const env = { AGENT_LEDGER_LOG_LEVEL: 'info', AGENT_LEDGER_RATE_LIMITS_QUERY_PER_HOUR: '100000000', AGENT_LEDGER_RATE_LIMITS_EXPORT_PER_HOUR: '100000000' };
    const server = await startServerProcess({ dataDir: join(work, 'server'), env });
    const pid = server.child.pid!;
    log(`ingest: ${clients} clients, OTLP protobuf over HTTP, ${SPANS_PER_REQUEST} spans a request`);
    const ingest = await runIngest(corpus, server.otlpUrl, server.auth, clients, entries, pid);
    const visible = (await server.get('/api/v1/ledger?page_size=1')).body.count;
    if (visible !== entries) throw new Error(`only ${visible} of ${entries} entries are queryable after ingest`);
    const ingestMemory = memoryOf(pid);

    const newest = (await server.get('/api/v1/ledger?page_size=1')).body.data[0];
    const endIso = newest.timestamp as string;
    const monthStart = new Date(Date.parse(endIso) - 30 * 86_400_000).toISOString();
    const weekStart = new Date(Date.parse(endIso) - 7 * 86_400_000).toISOString();
    const deepPage = Math.max(0, Math.floor(entries / 100 / 2));
    // a cursor 100 pages of 100 into the ledger: what the 101st page of a keyset walk asks
    let cursor: string | null = null;
    for (let i = 0, path = '/api/v1/ledger?page_size=100'; i < 100; i++) {
      cursor = (await server.get(path)).body.next_cursor ?? null;
      if (!cursor) break;
      path = `/api/v1/ledger?page_size=100&cursor=${encodeURIComponent(cursor)}`;
    }
    const patterns: QueryPattern[] = [
      { name: 'ledger: newest page', path: '/api/v1/ledger' },
      { name: 'ledger: outcome=error', path: '/api/v1/ledger?outcome=error' },
      { name: 'ledger: outcome=blocked', path: '/api/v1/ledger?outcome=blocked' },
      { name: 'ledger: action_name', path: `/api/v1/ledger?action_name=${encodeURIComponent(newest.name)}` },
      { name: 'ledger: agent_id', path: '/api/v1/ledger?agent_id=agent-042' },
      { name: 'ledger: run_id', path: `/api/v1/ledger?run_id=${newest.run_id}` },
      { name: 'ledger: min_cost', path: '/api/v1/ledger?min_cost=0.01' },
      { name: 'ledger: max_cost', path: '/api/v1/ledger?max_cost=0.0001' },
      { name: 'ledger: date range (week)', path: `/api/v1/ledger?start_date=${weekStart}&end_date=${endIso}` },
      { name: 'ledger: outcome=error by cost', path: '/api/v1/ledger?outcome=error&sort_by=cost&sort_order=desc' },
      { name: 'ledger: by duration', path: '/api/v1/ledger?sort_by=duration&sort_order=desc' },
      { name: 'ledger: by name', path: '/api/v1/ledger?sort_by=name&sort_order=asc' },
      { name: 'ledger: agent + outcome', path: '/api/v1/ledger?agent_id=agent-042&outcome=error' },
      { name: 'ledger: search (common)', path: '/api/v1/ledger?search=refund&page_size=50' },
      { name: 'ledger: search (rare)', path: '/api/v1/ledger?search=agent-04&page_size=50' },
      // issue 20: a 3-5 clause query with one nested-path wildcard, p95 <= 200 ms at 10M
      {
        name: 'ledger: query (4 clauses, path wildcard, week)',
        path: `/api/v1/ledger?page_size=50&start_date=${weekStart}&query=${encodeURIComponent('agent_id:agent-042 AND kind:tool AND NOT outcome:success AND inputs.query:*refund*')}`,
      },
      { name: 'ledger: query (cost + path exists)', path: `/api/v1/ledger?page_size=50&query=${encodeURIComponent('cost_usd >= 0.01 AND outcome:error AND inputs.query:*')}` },
      { name: 'ledger: deep page', path: `/api/v1/ledger?page=${deepPage}&page_size=100` },
      { name: 'ledger: page 500', path: '/api/v1/ledger?page=500&page_size=50' },
      { name: 'ledger: by cost, page 500', path: '/api/v1/ledger?sort_by=cost&sort_order=desc&page=500&page_size=50' },
      ...(cursor ? [{ name: 'ledger: cursor (page 101)', path: `/api/v1/ledger?page_size=100&cursor=${encodeURIComponent(cursor)}` }] : []),
      // an entity seen ~entries/1000 times (10,000 at 10M; traffic-generator.ts ENTITY_HOSTS), and an agent's whole history
      { name: 'timeline: host (~entries/1000)', path: `/api/v1/entities/host/${entityHost(7)}/timeline` },
      { name: 'timeline: host, page 1 of 50', path: `/api/v1/entities/host/${entityHost(7)}/timeline?page_size=50&page=1` },
      { name: 'timeline: agent', path: '/api/v1/entities/agent/agent-042/timeline' },
      { name: 'stats: everything', path: '/api/v1/ledger/stats' },
      { name: 'stats: a month', path: `/api/v1/ledger/stats?start_date=${monthStart}&end_date=${endIso}` },
      { name: 'stats: one agent', path: '/api/v1/ledger/stats?agent_id=agent-042' },
      { name: 'runs: newest page', path: '/api/v1/runs' },
      { name: 'runs: by cost', path: '/api/v1/runs?sort_by=cost' },
      { name: 'runs: one run', path: `/api/v1/runs/${newest.run_id}` },
      { name: 'traces: newest page', path: '/tenants/default/traces' },
      { name: 'traces: one trace', path: `/tenants/default/traces/${newest.trace_id}` },
      ...fullTextPatterns(endIso, weekStart),
    ];
    log(`queries: ${patterns.length} patterns × ${repeat}`);
    const queries = await runQueries(server.apiUrl, server.auth, patterns, repeat);
    log(`exports: ${exportRows} rows in each format`);
    const exports = [];
    for (const format of ['jsonl', 'json', 'csv']) {
      const result = await runExport(server.apiUrl, server.auth, pid, format, exportRows);
      exports.push({ ...result, rows: exportRows, rowsPerSecond: exportRows / result.seconds });
    }
    await server.stop();
    const partitionsDir = partitionsDirOf(join(work, 'server', 'ledger.db'));
    const fulltextIndex = indexSize(readdirSync(partitionsDir).filter((f) => f.endsWith('.db')).map((f) => join(partitionsDir, f)));
    // the target on bytes written: at most 4x the row's own size (its entries-table bytes)
    const rowBytes = (fulltextIndex.entriesTableMiB * 2 ** 20) / entries;
    const result: any = {
      at: new Date().toISOString(),
      complete: false,
      machine,
      entries,
      clients,
      ingest: {
        ...ingest,
        peakRssMiB: ingestMemory.peakMiB,
        ratioToCeiling: null,
        rowBytes: Math.round(rowBytes),
        writeAmplification: ingest.writeBytesPerSpan === null ? null : Math.round((ingest.writeBytesPerSpan / rowBytes) * 100) / 100,
        partitions: readdirSync(partitionsDir).filter((f) => f.endsWith('.db')).length,
      },
      fulltext: { ingestWithoutIndex: null, ingestRatioOnToOff: null, index: fulltextIndex },
      bullmq: null,
      ceiling: null,
      queries,
      exports,
    };
    mkdirSync(values['results-dir']!, { recursive: true });
    const out = join(values['results-dir']!, `bench-${entries}-${result.at.replace(/[:.]/g, '-')}.json`);
    // saved after every phase, so a long run that is cut short still leaves what it measured
    const save = () => writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    save();

    if (!values['skip-index-off']) {
      log('ingest again with the payload index off (sqlite.fulltext: false), for the on/off ratio');
      const withoutIndex = await ingestWithoutIndex(corpus, join(work, 'no-index'), clients, entries, env);
      result.fulltext.ingestWithoutIndex = withoutIndex;
      result.fulltext.ingestRatioOnToOff = ingest.spansPerSecond / withoutIndex.spansPerSecond;
      save();
    }

    if (process.env.REDIS_URL) {
      log('ingest again through BullMQ (REDIS_URL set): receiver → Redis → worker, until queryable');
      result.bullmq = await measureBullMqIngest(corpus, join(work, 'bullmq'), process.env.REDIS_URL, clients, entries, env);
      save();
    }

    if (!values['skip-ceiling']) {
      log(`store write ceiling: the same rows straight into a fresh store, ${SERVER_COMMIT_ROWS} a transaction`);
      result.ceiling = await measureStoreCeiling(corpus, join(work, 'ceiling', 'ledger.db'), {
        totalRows: entries,
        budgetSeconds: values['ceiling-seconds'] ? Number(values['ceiling-seconds']) : undefined,
      });
      result.ingest.ratioToCeiling = ingest.spansPerSecond / result.ceiling.rowsPerSecond;
    }
    result.complete = true;
    save();
    printResults(result);
    log(`results written to ${out}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
