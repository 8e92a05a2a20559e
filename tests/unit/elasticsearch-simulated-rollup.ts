import { entryDocument, recordFromDocument, type EntryDocument } from '../../exporters/elasticsearch/entry-document.js';
import { RUN_ROLLUP_SCRIPT, runUpdateLines, runUpdates } from '../../exporters/elasticsearch/run-rollup.js';
import { runFromDocument, type RunDocument } from '../../exporters/elasticsearch/runs-reader.js';
import type { RunSummary } from '../../exporters/store.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import { painlessAsJs } from './elasticsearch-painless-as-js.js';

/** The writer's logic around the script, over in-memory "indices". */
export class SimulatedCluster {
  readonly entries = new Map<string, EntryDocument>();
  readonly runs = new Map<string, Record<string, unknown>>();
  private readonly script = painlessAsJs(RUN_ROLLUP_SCRIPT);

  write(batch: EntryRecord[], { loseRunUpdate = false } = {}): number {
    const seen = new Set<string>();
    const unique = batch.filter((e) => !seen.has(e.id) && seen.add(e.id));
    const counted: EntryRecord[] = [];
    let inserted = 0;
    for (const e of unique) {
      const stored = this.entries.get(e.id);
      if (stored) counted.push(recordFromDocument(JSON.parse(JSON.stringify(stored))));
      else {
        this.entries.set(e.id, entryDocument(e));
        counted.push(e);
        inserted++;
      }
    }
    if (loseRunUpdate) return inserted;
    for (const u of runUpdates(counted)) {
      const before = this.runs.get(u.id);
      const ctx = { _source: before ? structuredClone(before) : {}, op: 'index' };
      const [, body] = runUpdateLines(u, 'runs', 'script') as [unknown, { script: { params: unknown } }];
      this.script(ctx, JSON.parse(JSON.stringify(body.script.params)));
      if (ctx.op !== 'noop') this.runs.set(u.id, JSON.parse(JSON.stringify(ctx._source)));
    }
    return inserted;
  }

  summaries(): RunSummary[] {
    return [...this.runs.values()].map((r) => runFromDocument(r as unknown as RunDocument)).sort(byRun);
  }
}

/** Runs are per (run, user): one order for both lists. */
export function byRun(a: RunSummary, b: RunSummary): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : (a.user_id ?? '') < (b.user_id ?? '') ? -1 : (a.user_id ?? '') > (b.user_id ?? '') ? 1 : 0;
}

