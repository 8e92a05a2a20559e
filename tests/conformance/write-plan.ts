import type { EntryRecord } from '../../model/ledger-entry.js';
import { batchesOf } from './dataset.js';

/** One `write` call and how many of its entries are new to the store. */
export interface WriteStep {
  caption: string;
  batch: EntryRecord[];
  inserted: number;
}

/**
 * How the dataset reaches a store: in batches that cut through runs, then
 * re-deliveries (the same batch again; the same ids with other content; old
 * and new entries mixed; one entry twice in a batch). `written` is every
 * entry once, in the order it was first written: the one the expected
 * answers are computed from (first write wins). `late` entries come last,
 * once every other day holds rows (spans reaching a store late).
 */
export function writePlan(all: readonly EntryRecord[], late: readonly EntryRecord[] = []): { steps: WriteStep[]; written: EntryRecord[] } {
  const withheld = all.filter((_, i) => i % 10 === 7);
  const last = withheld.pop()!;
  const main = all.filter((_, i) => i % 10 !== 7);
  const batches = batchesOf(main);
  const steps: WriteStep[] = batches.map((batch, i) => ({ caption: `batch ${i}`, batch, inserted: batch.length }));
  steps.push({ caption: 'batch 2 again: nothing new', batch: batches[2], inserted: 0 });
  steps.push({
    caption: 'batch 3 with the same ids and other content: the first write wins',
    batch: batches[3].map((e) => ({ ...e, name: `${e.name}-changed`, cost_nanos: e.cost_nanos + 7, outcome: 'error', is_root: !e.is_root, tags: ['changed'] })),
    inserted: 0,
  });
  const mixed = withheld.flatMap((e, i) => (i < batches[4].length ? [batches[4][i], e] : [e]));
  steps.push({ caption: 'new entries mixed with re-delivered ones', batch: mixed, inserted: withheld.length });
  steps.push({ caption: 'one new entry twice in one batch', batch: [last, last], inserted: 1 });
  if (late.length) steps.push({ caption: 'late spans, to days older than the newest', batch: [...late], inserted: late.length });
  return { steps, written: [...main, ...withheld, last, ...late] };
}
