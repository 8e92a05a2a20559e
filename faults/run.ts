import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_DURATIONS, QUICK_DURATIONS, STEADY, type ScenarioResult } from './measure.js';
import { findRedisServer, RedisProcess } from './redis.js';
import { runScenario, SCENARIOS } from './scenarios.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = here.includes('/dist/') ? here.slice(0, here.lastIndexOf('/dist/')) : join(here, '..');

export interface FaultRun {
  quick: boolean;
  results: ScenarioResult[];
}

/** Runs the named scenarios (all when empty) one after another. */
export async function runFaults(options: { quick: boolean; only: string[]; log?: (line: string) => void }): Promise<FaultRun> {
  const log = options.log ?? (() => {});
  const unknown = options.only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const chosen = options.only.length ? SCENARIOS.filter((s) => options.only.includes(s.name)) : SCENARIOS;
  const durations = options.quick ? QUICK_DURATIONS : DEFAULT_DURATIONS;
  let redis: RedisProcess | null = null;
  let redisMissing = '';
  if (chosen.some((s) => s.mode === 'bullmq')) {
    const found = findRedisServer();
    if ('path' in found) redis = await RedisProcess.start(found.path);
    else redisMissing = found.reason;
  }
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of chosen) {
      log(`${scenario.name}: ${scenario.fault} ...`);
      const result = await runScenario(scenario, { durations, redis, redisMissing });
      log(formatTable([result]).split('\n').slice(2).join('\n'));
      results.push(result);
    }
  } finally {
    await redis?.kill();
  }
  return { quick: options.quick, results };
}

/** Anything acknowledged lost or stored twice, per scenario. */
export function defects(results: ScenarioResult[]): string[] {
  return results
    .filter((r) => r.lost > 0 || r.duplicated > 0 || r.error)
    .map((r) => (r.error ? `${r.name}: not measured: ${r.error}` : `${r.name}: ${r.lost} acknowledged span(s) lost, ${r.duplicated} duplicated`));
}

const COLUMNS: Array<[string, (r: ScenarioResult) => string]> = [
  ['scenario', (r) => r.name],
  ['mode', (r) => r.mode],
  ['sent', (r) => String(r.sent)],
  ['acked', (r) => String(r.acknowledged)],
  ['stored', (r) => String(r.stored)],
  ['lost', (r) => String(r.lost)],
  ['dup', (r) => String(r.duplicated)],
  ['refused', (r) => String(r.refused)],
  ['ingest back (s)', (r) => (r.ingestRecoveredS === null ? '-' : String(r.ingestRecoveredS))],
  ['backlog stored (s)', (r) => (r.backlogStoredS === null ? '-' : String(r.backlogStoredS))],
  ['peak RSS MiB', (r) => String(r.peakRssMb)],
  ['fault / notes', (r) => describe(r)],
];

function describe(r: ScenarioResult): string {
  if (r.skipped) return `SKIPPED: ${r.skipped}`;
  if (r.error) return `FAILED TO RUN: ${r.error.split('\n')[0]}`;
  const notes = [r.fault, ...r.notes];
  if (r.apiRecoveredS !== undefined) notes.push(`query API back after ${r.apiRecoveredS ?? 'never'} s`);
  if (r.apiCount !== r.stored) notes.push(`API counts ${r.apiCount ?? 'nothing'}, store holds ${r.stored}`);
  if (r.droppedBySender) notes.push(`${r.droppedBySender * STEADY.spansPerRequest} spans dropped by the senders' full queues, never sent`);
  const failed = Object.entries(r.failed);
  if (failed.length) notes.push(`other answers: ${failed.map(([s, n]) => `${n} x ${s}`).join(', ')}`);
  return notes.join('; ');
}

/** A Markdown table. */
export function formatTable(results: ScenarioResult[]): string {
  const rows = results.map((r) => COLUMNS.map(([, cell]) => cell(r)));
  return [`| ${COLUMNS.map(([h]) => h).join(' | ')} |`, `|${COLUMNS.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean', default: false }, only: { type: 'string', multiple: true, default: [] }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(`npm run faults -- [--quick] [--only <name>[,<name>]]\nscenarios: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return;
  }
  const only = values.only.flatMap((v) => v.split(',')).filter(Boolean);
  const started = new Date();
  const run = await runFaults({ quick: values.quick, only, log: (line) => process.stderr.write(`${line}\n`) });
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
  process.stdout.write(`\n${formatTable(run.results)}\n\n${machine}; ${values.quick ? '--quick' : 'default durations'}\n`);
  const dir = join(ROOT, 'faults/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ started: started.toISOString(), machine, quick: run.quick, steady: STEADY, results: run.results }, null, 2)}\n`);
  process.stdout.write(`results: ${file}\n`);
  const bad = defects(run.results);
  if (bad.length) {
    process.stderr.write(`ACKNOWLEDGED DATA LOST OR DUPLICATED, OR A SCENARIO NOT MEASURED:\n${bad.join('\n')}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 2;
  });
}
