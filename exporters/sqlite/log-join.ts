import { existsSync } from 'node:fs';
import { joinMessages, MAX_EVENTS_PER_SPAN, orderedEvents, type HeldEvent } from '../../collector/normalize/message-join.js';
import { runIdFromTraceId } from '../../model/ids.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import type { Database } from './driver.js';
import { ftsTextOfRow, type FtsSourceRow } from './fulltext-index.js';
import { partitionName } from './partition-files.js';

const DAY_US = 86_400_000_000;
const HAS_EVENTS = 'SELECT EXISTS (SELECT 1 FROM log_messages)';

export interface JoinPartitions {
  /** The open writing connection of a day (created when new). */
  partition(name: string): { db: Database };
  exists(name: string): boolean;
}


type Key = { organization_id: string; trace_id: string; span_id: string };

/**
 * Joins GenAI log events to the entries of their spans, whichever comes
 * first. Events live in the day of their time (log_messages); an entry in
 * the day of its start. A span's events are therefore in its entry's day or
 * the next one (a call across midnight), and an event's entry in the event's
 * day or the one before. The entry's `inputs` / `outputs` are rebuilt from all
 * of its events by the rule every store shares (collector/normalize/message-join.ts).
 */
export class LogJoin {
  constructor(
    private readonly days: JoinPartitions,
    private readonly fulltext: boolean,
  ) {}

  /** Stores events and fills the entries already written; call once per batch. */
  write(messages: readonly LogMessageRecord[]): void {
    const byDay = new Map<string, LogMessageRecord[]>();
    for (const m of messages) {
      const day = partitionName(m.time_us);
      const list = byDay.get(day);
      if (list) list.push(m);
      else byDay.set(day, [m]);
    }
    for (const [day, list] of byDay) {
      const { db } = this.days.partition(day);
      const insert = db.prepare(`INSERT INTO log_messages (organization_id, trace_id, span_id, log_id, time_us, idx, event)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
      const fresh = new Map<string, { key: Key; ids: Set<string> }>();
      db.transaction(() => {
        for (const m of list) {
          const r = insert.run(m.organization_id, m.trace_id, m.span_id, m.log_id, m.time_us, m.idx, JSON.stringify(m.event));
          if (r.changes === 0) continue;
          const k = `${m.organization_id}\u0000${m.trace_id}\u0000${m.span_id}`;
          let f = fresh.get(k);
          if (!f) fresh.set(k, (f = { key: m, ids: new Set() }));
          f.ids.add(m.log_id);
        }
      }).immediate();
      const before = partitionName(list[0].time_us - DAY_US);
      for (const { key, ids } of fresh.values()) {
        for (const entryDay of [day, before]) {
          if (entryDay !== day && !this.days.exists(entryDay)) continue;
          if (this.join(entryDay, key, ids)) break;
        }
      }
    }
  }

  /** Inside the transaction that inserted entries into `day`: fills them from events that came first. */
  afterInsert(day: string, db: Database, keys: readonly Key[]): void {
    const next = partitionName(partitionOfDayStart(day) + DAY_US);
    const nextDb = this.days.exists(next) ? this.days.partition(next).db : null;
    // Most days hold no held events at all: one probe per commit instead of one per row.
    const held = [db, nextDb].filter((d): d is Database => d !== null && d.prepare(HAS_EVENTS).pluck().get() === 1);
    if (held.length === 0) return;
    const probes = held.map((d) => d.prepare('SELECT 1 FROM log_messages WHERE organization_id = ? AND trace_id = ? AND span_id = ? LIMIT 1').pluck());
    for (const k of keys) {
      const args = [k.organization_id, k.trace_id, k.span_id];
      if (probes.some((p) => p.get(...args) !== undefined)) this.joinIn(db, day, k, null);
    }
  }

  /** Whether the entry was found in `day`. */
  private join(day: string, key: Key, fresh: Set<string>): boolean {
    const { db } = this.days.partition(day);
    return db.transaction(() => this.joinIn(db, day, key, fresh)).immediate();
  }

  private joinIn(db: Database, day: string, key: Key, fresh: Set<string> | null): boolean {
    const entry = db
      .prepare(`SELECT seq, organization_id, user_id, name, status_message, inputs, outputs FROM entries
        WHERE organization_id = ? AND run_id = ? AND span_id = ? AND trace_id = ?`)
      .get(key.organization_id, runIdFromTraceId(key.trace_id), key.span_id, key.trace_id) as (FtsSourceRow & { seq: number }) | undefined;
    if (!entry) return false;
    const next = joinMessages(entry, this.eventsOf(db, day, key), fresh);
    if (next === null) return true;
    db.prepare('UPDATE message_join SET active = 1 WHERE id = 1').run();
    db.prepare('UPDATE entries SET inputs = ?, outputs = ? WHERE seq = ?').run(next.inputs, next.outputs, entry.seq);
    db.prepare('UPDATE message_join SET active = 0 WHERE id = 1').run();
    if (this.fulltext) {
      db.prepare('DELETE FROM entries_fts WHERE rowid = CAST(? AS INTEGER)').run(entry.seq);
      db.prepare('INSERT INTO entries_fts (rowid, text) VALUES (CAST(? AS INTEGER), ?)').run(entry.seq, ftsTextOfRow({ ...entry, ...next }));
    }
    return true;
  }

  /** The span's events from its entry's day and the next, in the order they were emitted. */
  private eventsOf(db: Database, day: string, key: Key): HeldEvent[] {
    const sql = `SELECT log_id, time_us, idx, event FROM log_messages WHERE organization_id = ? AND trace_id = ? AND span_id = ?
      ORDER BY time_us, idx, log_id LIMIT ${MAX_EVENTS_PER_SPAN}`;
    const args = [key.organization_id, key.trace_id, key.span_id];
    type Row = { log_id: string; time_us: number; idx: number; event: string };
    const rows = db.prepare(sql).all(...args) as Row[];
    const next = partitionName(partitionOfDayStart(day) + DAY_US);
    if (this.days.exists(next)) rows.push(...(this.days.partition(next).db.prepare(sql).all(...args) as Row[]));
    return orderedEvents(rows.map((r) => ({ ...r, event: JSON.parse(r.event) })));
  }
}


function partitionOfDayStart(day: string): number {
  return Date.parse(`${day.slice(0, 10)}T00:00:00Z`) * 1000;
}
