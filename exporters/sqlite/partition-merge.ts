import type { LedgerKeyset, LedgerQuery } from '../store.js';
import type { Database } from './driver.js';
import type { EntryRow } from './entry-row.js';
import { entriesBySeq, ledgerKeys, type SortKey } from './ledger-reader.js';

/**
 * A page of a sort by cost, duration or name over several partitions: a
 * k-way merge (as a log store merges its blocks) of each partition's
 * positions in sort order, read a chunk at a time by keyset seek, so a page
 * at offset N reads about N + k × chunk positions, never N from every
 * partition; then only the page's rows are read.
 */

interface Source {
  db: Database;
  count: number;
}

interface Cursor {
  source: Source;
  keys: Array<SortKey & { bytes: Buffer | null }>;
  pos: number;
  chunk: number;
  after: LedgerKeyset | undefined;
  done: boolean;
}

const FIRST_CHUNK = 64;
const MAX_CHUNK = 4096;

export function mergePage(sources: readonly Source[], query: LedgerQuery, skip: number, want: number): EntryRow[] {
  const sign = query.sort_order === 'desc' ? -1 : 1;
  // SQLite orders text by its UTF-8 bytes (BINARY), numbers by value; ids are ASCII
  const compare = (a: Cursor, b: Cursor): number => {
    const x = a.keys[a.pos];
    const y = b.keys[b.pos];
    const byKey =
      typeof x.key === 'number' && typeof y.key === 'number' ? x.key - y.key : Buffer.compare(x.bytes!, y.bytes!);
    return sign * (byKey || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  };
  const refill = (c: Cursor): boolean => {
    const keys = ledgerKeys(c.source.db, { ...query, after: c.after }, 0, c.chunk, c.source.count);
    c.keys = keys.map((k) => ({ ...k, bytes: typeof k.key === 'string' ? Buffer.from(k.key, 'utf8') : null }));
    c.pos = 0;
    c.done = keys.length < c.chunk;
    c.chunk = Math.min(MAX_CHUNK, c.chunk * 2);
    if (keys.length) c.after = { key: keys[keys.length - 1].key, id: keys[keys.length - 1].id };
    return keys.length > 0;
  };

  const heap: Cursor[] = [];
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compare(heap[i], heap[parent]) >= 0) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < heap.length && compare(heap[l], heap[least]) < 0) least = l;
      if (r < heap.length && compare(heap[r], heap[least]) < 0) least = r;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least], heap[i]];
      i = least;
    }
  };
  // A deep page's positions come from every day in proportion to its matches, about: each day's first read
  // asks for its share (and a quarter more), so most days are read once rather than in doubling chunks.
  const total = sources.reduce((n, s) => n + s.count, 0);
  const firstChunk = (s: Source) => Math.min(MAX_CHUNK, Math.max(FIRST_CHUNK, want, Math.ceil(((skip + want) * s.count * 1.25) / Math.max(1, total))));
  for (const source of sources) {
    const c: Cursor = { source, keys: [], pos: 0, chunk: firstChunk(source), after: query.after, done: false };
    if (refill(c)) {
      heap.push(c);
      up(heap.length - 1);
    }
  }

  const picked: Array<{ source: Source; seq: number }> = [];
  for (let n = 0; n < skip + want && heap.length > 0; n++) {
    const top = heap[0];
    if (n >= skip) picked.push({ source: top.source, seq: top.keys[top.pos].seq });
    top.pos++;
    if (top.pos === top.keys.length && (top.done || !refill(top))) {
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    down(0);
  }

  const rows = new Map<Source, Map<number, EntryRow>>();
  for (const source of new Set(picked.map((p) => p.source))) {
    const seqs = picked.filter((p) => p.source === source).map((p) => p.seq);
    rows.set(source, new Map(entriesBySeq(source.db, seqs, query).map((r) => [r.seq, r])));
  }
  return picked.map((p) => rows.get(p.source)!.get(p.seq)!);
}
