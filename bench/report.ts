function ceilingLine(c: any): string {
  if (!c) return 'skipped';
  const rate = `${c.rowsPerSecond.toFixed(0)} rows/s`;
  return c.stoppedByBudget
    ? `${rate} over the first ${c.rows.toLocaleString('en')} rows (stopped by its time budget)`
    : `${rate} (last tenth ${c.lastTenthRowsPerSecond.toFixed(0)})`;
}

/** The benchmark's table, from its results (as saved in bench/results/*.json). */
export function printResults(r: any): void {
  const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const lines = [
    `agent-ledger benchmark — ${r.entries.toLocaleString('en')} entries, ${r.machine.cores} cores (${r.machine.cpu}), Node ${r.machine.node}`,
    '',
    'ingest (OTLP protobuf/HTTP → queryable)',
    `  end to end           ${f(r.ingest.spansPerSecond, 0)} spans/s (last tenth ${f(r.ingest.lastTenthSpansPerSecond, 0)}), ${r.clients} clients, ${r.ingest.refusals} refusals retried`,
    `  store write ceiling  ${ceilingLine(r.ceiling)}`,
    ...(r.ceiling?.curve?.length ? [`  ceiling by size      ${r.ceiling.curve.map((c: any) => `≤${c.upToRows / 1e6}M ${f(c.rowsPerSecond / 1000)}k`).join(', ')} rows/s`] : []),
    `  ratio                ${r.ingest.ratioToCeiling === null ? 'n/a' : f(r.ingest.ratioToCeiling, 2)}`,
    `  server peak RSS      ${f(r.ingest.peakRssMiB, 0)} MiB`,
    `  written to disk      ${r.ingest.writeBytesPerSpan == null ? 'n/a' : `${f(r.ingest.writeBytesPerSpan, 0)} B a span, ${f(r.ingest.writeAmplification, 2)} x its row (${f(r.ingest.rowBytes, 0)} B); ${r.ingest.partitions} day partitions`}`,
    `  per tenth            ${(r.ingest.curve ?? []).map((c: any) => `${f(c.spansPerSecond, 0)}/s${c.writeBytesPerSpan == null ? '' : ` ${f(c.writeBytesPerSpan, 0)} B`}`).join(' · ')}`,
    r.bullmq
      ? `  BullMQ path          ${f(r.bullmq.spansPerSecond, 0)} spans/s queryable (acknowledged at ${f(r.bullmq.spans / r.bullmq.seconds, 0)}/s), ${r.bullmq.refusals} refusals retried`
      : '  BullMQ path          not measured: set REDIS_URL to a Redis to include it',
    r.fulltext.ingestWithoutIndex
      ? `  payload index off    ${f(r.fulltext.ingestWithoutIndex.spansPerSecond, 0)} spans/s; on/off ratio ${f(r.fulltext.ingestRatioOnToOff, 2)} (target ≥ 0.7)`
      : '  payload index off    skipped (--skip-index-off)',
    `  payload index size   ${f(r.fulltext.index.fulltextMiB, 0)} MiB: ${f(r.fulltext.index.ratioToTable * 100, 1)} % of the entries table, ${f(r.fulltext.index.ratioToTableAndIndexes * 100, 1)} % with its indexes`,
    '',
    'queries (ms)                         p50      p95      p99   count',
    ...r.queries.map((q: any) => `  ${q.name.padEnd(32)} ${f(q.p50).padStart(7)}  ${f(q.p95).padStart(7)}  ${f(q.p99).padStart(7)}   ${q.status === 200 ? (q.count ?? '') : `HTTP ${q.status}`}`),
    '',
    'export                 rows/s     MiB   RSS growth MiB',
    ...r.exports.map((e: any) => `  ${e.format.padEnd(6)} ${f(e.rowsPerSecond, 0).padStart(14)} ${f(e.megabytes).padStart(7)}  ${f(e.rssGrowthMiB).padStart(8)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
