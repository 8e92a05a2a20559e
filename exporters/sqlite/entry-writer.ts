import type { Database, Statement } from './driver.js';
import { FulltextIndexer } from './fulltext-index.js';
import { RollupWriter } from './rollup-writer.js';
import { RunRollupWriter } from './run-rollup.js';
import type { WriteRow } from './write-row.js';

/** An entry as write-row.ts lays out its parameters; first write wins on (organization, run, span). */
export const INSERT_ENTRY_SQL = `
  INSERT INTO entries (id, organization_id, run_id, trace_id, span_id, parent_span_id, is_root, name, kind,
    outcome, status_message, ts_us, end_us, duration_ms, cost_nanos, model, provider, input_tokens,
    output_tokens, total_tokens, agent_id, service_name, user_id, inputs, outputs, compliance, tags,
    attributes, truncated_fields, redactions, details, entities)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (organization_id, run_id, span_id) DO NOTHING`;

export const INSERT_ENTITY_SQL = 'INSERT OR IGNORE INTO entities (organization_id, type, value, ts_us, seq) VALUES (?, ?, ?, ?, ?)';

export const INSERT_SEARCH_TERM_SQL = 'INSERT OR IGNORE INTO search_terms (organization_id, field, value) VALUES (?, ?, ?)';

export interface InsertedRow {
  row: WriteRow;
  seq: number;
}

/**
 * Writes one partition's rows (partition-schema.ts) in one transaction.
 * First write wins: `ON CONFLICT DO NOTHING` on (organization, run, span),
 * and the full-text index, the hourly rollups, the run parts and the search
 * terms move only for rows actually inserted. What spans partitions (runs,
 * agents) is the catalog's, applied from the rows this returns
 * (catalog-apply.ts).
 */
export class EntryWriter {
  private readonly insertEntry: Statement;
  private readonly runs: RunRollupWriter;
  private readonly insertTerm: Statement;
  private readonly rollups: RollupWriter;
  private readonly fulltext: FulltextIndexer;
  private readonly insertEntity: Statement;

  /** `fulltext: false` leaves `q`'s index out (sqlite.fulltext), for deployments that never search payloads. */
  constructor(
    private readonly db: Database,
    options: { fulltext?: boolean } = {},
  ) {
    this.insertEntry = db.prepare(INSERT_ENTRY_SQL);
    this.runs = new RunRollupWriter(db, 'run_parts');
    this.rollups = new RollupWriter(db);
    this.fulltext = new FulltextIndexer(db, options.fulltext ?? true);
    this.insertTerm = db.prepare(INSERT_SEARCH_TERM_SQL);
    this.insertEntity = db.prepare(INSERT_ENTITY_SQL);
  }

  /** The rows that were new, in the order given, with the seq each got. */
  /** `inserted` runs inside the transaction with the rows that were new (the log join fills them). */
  write(entries: readonly WriteRow[], onInserted?: (rows: InsertedRow[]) => void): InsertedRow[] {
    return this.db.transaction(() => {
      const runs = this.runs.begin();
      // Keyed by a NUL-joined string, but bound from the tuple: names and agent ids may contain NUL themselves.
      const terms = new Map<string, readonly [string, string, string]>();
      const term = (org: string, field: string, value: string) => terms.set(`${org}\u0000${field}\u0000${value}`, [org, field, value]);
      const rollup = this.rollups.begin();
      const inserted: InsertedRow[] = [];
      for (const e of entries) {
        const result = this.insertEntry.run(e.params);
        if (result.changes === 0) continue;
        inserted.push({ row: e, seq: Number(result.lastInsertRowid) });
        this.fulltext.add(result.lastInsertRowid, e.fts);
        for (const [type, value] of e.entities) this.insertEntity.run(e.organization_id, type, value, e.start_us, result.lastInsertRowid);
        runs.add(e);
        rollup.add(e);
        term(e.organization_id, 'name', e.name);
        if (e.agent_id !== null) term(e.organization_id, 'agent_id', e.agent_id);
      }
      runs.flush();
      rollup.flush();
      for (const t of terms.values()) this.insertTerm.run(...t);
      if (inserted.length > 0) onInserted?.(inserted);
      return inserted;
    }).immediate();
  }
}
