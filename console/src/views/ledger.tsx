import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, withQuery, type Params } from '../api.js';
import { EXTRA_FILTERS, hasRoute, ledgerParameters, STREAM } from '../features.js';
import { followStream } from '../sse.js';
import { OUTCOMES } from '../../../model/ledger-entry.js';
import type { LedgerEntry, LedgerPage } from '../types.js';
import { useLoad, useUrlState } from '../ui/hooks.js';
import { DataTable } from '../ui/table.js';
import { ErrorNote } from '../ui/value.js';
import { EntryDetail } from './entry-detail.js';
import { DEFAULT_COLUMNS, LEDGER_COLUMNS } from './ledger-columns.js';
import { ExportControl } from './ledger-export.js';

const SEED_FILTERS = ['q', 'search', 'outcome', 'action_name', 'agent_id', 'run_id', 'min_cost', 'max_cost', 'start_date', 'end_date'] as const;
const LABELS: Record<string, string> = {
  q: 'Full text (q)',
  search: 'Search (names)',
  action_name: 'Action name',
  agent_id: 'Agent id',
  run_id: 'Run id',
  min_cost: 'Min cost (USD)',
  max_cost: 'Max cost (USD)',
  start_date: 'From (RFC 3339 or date)',
  end_date: 'To',
  user_id: 'User id',
  service_name: 'Service',
  conversation_id: 'Conversation id',
};

/** The filters in the URL, as the API takes them. */
export function filtersOf(params: URLSearchParams, names: readonly string[]): Params {
  const out: Params = {};
  for (const n of names) out[n] = params.get(n) ?? undefined;
  return out;
}

export function LedgerView() {
  const [params, setParams] = useUrlState();
  const [extra, setExtra] = useState<string[]>([]);
  const [tailAvailable, setTailAvailable] = useState<boolean | null>(null);
  useEffect(() => {
    ledgerParameters().then((names) => setExtra(EXTRA_FILTERS.filter((n) => names.has(n))));
    hasRoute(STREAM).then(setTailAvailable);
  }, []);
  const filterNames = [...SEED_FILTERS, ...extra];
  const filters = filtersOf(params, filterNames);
  const sortBy = params.get('sort_by') ?? 'timestamp';
  const sortOrder = params.get('sort_order') ?? 'desc';
  const pageSize = params.get('page_size') ?? '50';
  const query: Params = { ...filters, sort_by: sortBy, sort_order: sortOrder, page_size: pageSize, page: params.get('page'), cursor: params.get('cursor') };
  const key = withQuery('/api/v1/ledger', query);
  const page = useLoad(async (signal) => {
    const body = await getJson<LedgerPage>('/api/v1/ledger', query, signal);
    performance.mark('ledger-data');
    return body;
  }, key);
  const columns = (params.get('cols') ?? DEFAULT_COLUMNS.join(',')).split(',');
  const visibility = Object.fromEntries(LEDGER_COLUMNS.map((c) => [c.id, columns.includes(c.id)]));
  const selectedId = params.get('entry');
  const selected = page.data?.data.find((e) => e.id === selectedId);
  const sortColumn = LEDGER_COLUMNS.find((c) => c.sort === sortBy)?.id;
  const tail = params.get('tail') === '1' && tailAvailable === true;

  const onSort = (columnId: string) => {
    const field = LEDGER_COLUMNS.find((c) => c.id === columnId)?.sort;
    if (!field) return;
    setParams({ sort_by: field, sort_order: field === sortBy && sortOrder === 'desc' ? 'asc' : 'desc', page: null, cursor: null, at: null });
  };
  const applyFilters = (ev: Event) => {
    ev.preventDefault();
    const form = new FormData(ev.currentTarget as HTMLFormElement);
    const changes: Record<string, string | null> = { page: null, cursor: null, at: null, entry: null };
    for (const n of filterNames) changes[n] = String(form.get(n) ?? '').trim() || null;
    setParams(changes);
  };
  const at = Number(params.get('at') ?? params.get('page') ?? 0);

  return (
    <div class="ledger">
      <h1>Ledger</h1>
      <form class="filters" onSubmit={applyFilters} aria-label="Filters" key={filterNames.map((n) => params.get(n)).join('\u0000')}>
        {filterNames.map((n) =>
          n === 'outcome' ? (
            <label key={n}>
              Outcome
              <select name="outcome" defaultValue={params.get('outcome') ?? ''}>
                <option value="">any</option>
                {OUTCOMES.map((o) => (
                  <option key={o} value={o}>
                    {o}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <label key={n} class={n === 'q' ? 'wide' : undefined}>
              {LABELS[n] ?? n.replace('_', ' ')}
              <input name={n} defaultValue={params.get(n) ?? ''} type={n === 'q' || n === 'search' ? 'search' : 'text'} autoComplete="off" />
            </label>
          ),
        )}
        <div class="actions">
          <button type="submit">Apply</button>
          <button type="button" onClick={() => setParams(Object.fromEntries([...filterNames, 'page', 'cursor', 'at', 'entry'].map((n) => [n, null])))}>
            Clear
          </button>
        </div>
      </form>
      <div class="toolbar">
        <ColumnChooser columns={columns} onChange={(cols) => setParams({ cols: cols.join(',') })} />
        <label>
          Rows
          <select value={pageSize} onChange={(e) => setParams({ page_size: (e.target as HTMLSelectElement).value, page: null, cursor: null, at: null })}>
            {['25', '50', '100', '250', '1000'].map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <ExportControl filters={filters} />
        {tailAvailable === true ? (
          <label class="toggle">
            <input type="checkbox" checked={tail} onChange={(e) => setParams({ tail: (e.target as HTMLInputElement).checked ? '1' : null })} /> Live tail
          </label>
        ) : tailAvailable === false ? (
          <span class="muted" data-testid="tail-unavailable">
            Live tail: this server has no stream route
          </span>
        ) : null}
      </div>
      {tail && <LiveTail filters={filters} onOpen={(e) => setParams({ entry: e.id })} />}
      <ErrorNote error={page.error} />
      {page.data && (
        <>
          <p class="muted" aria-live="polite">
            {page.data.count.toLocaleString()} entries · page {at + 1} of {Math.max(1, page.data.total_pages).toLocaleString()}
          </p>
          <div class={selected ? 'split' : undefined}>
            <DataTable<LedgerEntry>
              caption="Ledger entries"
              data={page.data.data}
              columns={LEDGER_COLUMNS}
              visibility={visibility}
              sorting={sortColumn ? [{ id: sortColumn, desc: sortOrder === 'desc' }] : []}
              onSort={onSort}
              rowKey={(e) => e.id}
              selected={selectedId}
              onRowClick={(e) => setParams({ entry: e.id })}
              onRendered={() => performance.measure('ledger-render', 'ledger-data')}
            />
            {selected && <EntryDetail entry={selected} onClose={() => setParams({ entry: null })} />}
          </div>
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={at === 0} onClick={() => setParams({ page: null, cursor: null, at: null })}>
              First
            </button>
            <button type="button" disabled={at === 0} onClick={() => (params.get('cursor') ? history.back() : setParams({ page: String(at - 1) }))}>
              Previous
            </button>
            <button
              type="button"
              disabled={at + 1 >= page.data.total_pages}
              onClick={() =>
                // a cursor seeks to the next page however deep; without one, the page number
                page.data!.next_cursor ? setParams({ cursor: page.data!.next_cursor, page: null, at: String(at + 1) }) : setParams({ page: String(at + 1) })
              }
            >
              Next
            </button>
          </nav>
        </>
      )}
    </div>
  );
}

function ColumnChooser({ columns, onChange }: { columns: string[]; onChange: (cols: string[]) => void }) {
  return (
    <details class="chooser">
      <summary>Columns</summary>
      <fieldset>
        <legend class="sr-only">Columns shown</legend>
        {LEDGER_COLUMNS.map((c) => (
          <label key={c.id}>
            <input
              type="checkbox"
              checked={columns.includes(c.id)}
              onChange={(e) => onChange((e.target as HTMLInputElement).checked ? LEDGER_COLUMNS.map((x) => x.id).filter((id) => id === c.id || columns.includes(id)) : columns.filter((id) => id !== c.id))}
            />
            {c.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}

/** New entries matching the filters, newest first, as the stream route sends them. */
function LiveTail({ filters, onOpen }: { filters: Params; onOpen: (e: LedgerEntry) => void }) {
  const [entries, setEntries] = useState<LedgerEntry[]>([]);
  const [state, setState] = useState('connecting…');
  const key = withQuery(STREAM, filters);
  useEffect(() => {
    const abort = new AbortController();
    setEntries([]);
    followStream(
      key,
      (e) => {
        if (e.event !== 'message' && e.event !== 'entry') return;
        try {
          const entry = JSON.parse(e.data) as LedgerEntry;
          if (entry && typeof entry.id === 'string') setEntries((prev) => [entry, ...prev.filter((p) => p.id !== entry.id)].slice(0, 500));
        } catch {
          /* not an entry */
        }
      },
      abort.signal,
      setState,
    );
    return () => abort.abort();
  }, [key]);
  const columns = useMemo(() => LEDGER_COLUMNS.filter((c) => ['timestamp', 'name', 'outcome', 'agent_id', 'cost_usd'].includes(c.id)), []);
  return (
    <section class="tail" aria-label="Live tail">
      <h2>
        Live tail <span class="muted" data-testid="tail-state">{state}</span>
      </h2>
      <DataTable<LedgerEntry> caption="New entries" data={entries} columns={columns} rowKey={(e) => e.id} onRowClick={onOpen} />
    </section>
  );
}

