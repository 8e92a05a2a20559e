import { durationBucket, durationMicros } from '../../model/duration-histogram.js';
import type { EntryRecord } from '../../model/ledger-entry.js';
import type { Database, Statement } from './driver.js';

export const HOUR_US = 3_600_000_000;
/** The `hour` of all-time totals. */
export const ALL_TIME = -1;

interface Delta {
  key: unknown[];
  n: number;
  cost: number;
  dur: number;
}

/** Collects rollup deltas of inserted entries and applies them as one upsert per key. */
export class RollupWriter {
  private readonly outcome: Statement;
  private readonly agent: Statement;
  private readonly name: Statement;
  private readonly duration: Statement;

  constructor(db: Database) {
    this.outcome = db.prepare(`INSERT INTO rollup_outcome VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET n = n + excluded.n, cost_nanos = cost_nanos + excluded.cost_nanos,
      duration_us = duration_us + excluded.duration_us`);
    this.agent = db.prepare(`INSERT INTO rollup_agent VALUES (?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET n = n + excluded.n, cost_nanos = cost_nanos + excluded.cost_nanos`);
    this.name = db.prepare(`INSERT INTO rollup_name VALUES (?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET n = n + excluded.n, cost_nanos = cost_nanos + excluded.cost_nanos`);
    this.duration = db.prepare(`INSERT INTO rollup_duration VALUES (?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET n = n + excluded.n`);
  }

  /** Deltas of one transaction; call `add` for each inserted entry, then `flush`. */
  begin(): RollupBatch {
    return new RollupBatch(this);
  }

  apply(kind: 'outcome' | 'agent' | 'name' | 'duration', deltas: Iterable<Delta>): void {
    for (const d of deltas) {
      if (kind === 'outcome') this.outcome.run(...d.key, d.n, d.cost, d.dur);
      else if (kind === 'duration') this.duration.run(...d.key, d.n);
      else (kind === 'agent' ? this.agent : this.name).run(...d.key, d.n, d.cost);
    }
  }
}

export class RollupBatch {
  private readonly maps = {
    outcome: new Map<string, Delta>(),
    agent: new Map<string, Delta>(),
    name: new Map<string, Delta>(),
    duration: new Map<string, Delta>(),
  };

  constructor(private readonly writer: RollupWriter) {}

  add(e: Pick<EntryRecord, 'start_us' | 'duration_ms' | 'organization_id' | 'outcome' | 'name' | 'agent_id' | 'cost_nanos'>): void {
    const hour = Math.floor(e.start_us / HOUR_US);
    const dur = durationMicros(e.duration_ms);
    const bucket = durationBucket(e.duration_ms);
    for (const h of [hour, ALL_TIME]) {
      bump(this.maps.outcome, [e.organization_id, h, e.outcome], e.cost_nanos, dur);
      bump(this.maps.name, [e.organization_id, h, e.name], e.cost_nanos, 0);
      if (e.agent_id !== null) bump(this.maps.agent, [e.organization_id, h, e.agent_id], e.cost_nanos, 0);
      bump(this.maps.duration, [e.organization_id, h, bucket], 0, 0);
    }
  }

  flush(): void {
    for (const kind of ['outcome', 'agent', 'name', 'duration'] as const) this.writer.apply(kind, this.maps[kind].values());
  }
}

function bump(map: Map<string, Delta>, key: unknown[], cost: number, dur: number): void {
  const k = key.join('\u0000');
  const d = map.get(k);
  if (d) {
    d.n++;
    d.cost += cost;
    d.dur += dur;
  } else map.set(k, { key, n: 1, cost, dur });
}
