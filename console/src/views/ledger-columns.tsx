import type { ColumnDef } from '@tanstack/table-core';
import type { LedgerEntry } from '../types.js';
import { ms, OutcomeBadge, Snippet, Text, usd, when } from '../ui/value.js';

const text = (v: unknown) => (typeof v === 'string' ? <Text value={v.length > 120 ? v.slice(0, 119) + '…' : v} /> : v == null ? '' : String(v));

/** Every column the explorer can show; `sort` is the API's sort_by for it. */
export const LEDGER_COLUMNS: Array<ColumnDef<LedgerEntry, any> & { id: string; label: string; sort?: string }> = [
  { id: 'timestamp', label: 'Time', header: 'Time', sort: 'timestamp', accessorKey: 'timestamp', cell: (c) => when(c.getValue()) },
  { id: 'name', label: 'Action', header: 'Action', sort: 'name', accessorKey: 'name', cell: (c) => text(c.getValue()) },
  { id: 'outcome', label: 'Outcome', header: 'Outcome', accessorKey: 'outcome', cell: (c) => <OutcomeBadge outcome={String(c.getValue())} /> },
  { id: 'agent_id', label: 'Agent', header: 'Agent', accessorKey: 'agent_id', cell: (c) => text(c.getValue()) },
  { id: 'cost_usd', label: 'Cost', header: 'Cost', sort: 'cost', accessorKey: 'cost_usd', cell: (c) => usd(c.getValue()) },
  { id: 'duration_ms', label: 'Duration', header: 'Duration', sort: 'duration', accessorKey: 'duration_ms', cell: (c) => ms(c.getValue()) },
  { id: 'kind', label: 'Kind', header: 'Kind', accessorKey: 'kind', cell: (c) => text(c.getValue()) },
  { id: 'model', label: 'Model', header: 'Model', accessorKey: 'model', cell: (c) => text(c.getValue()) },
  { id: 'total_tokens', label: 'Tokens', header: 'Tokens', accessorKey: 'total_tokens', cell: (c) => (c.getValue() == null ? '' : String(c.getValue())) },
  { id: 'service_name', label: 'Service', header: 'Service', accessorKey: 'service_name', cell: (c) => text(c.getValue()) },
  { id: 'user_id', label: 'User', header: 'User', accessorKey: 'user_id', cell: (c) => text(c.getValue()) },
  { id: 'run_id', label: 'Run', header: 'Run', accessorKey: 'run_id', cell: (c) => <code>{String(c.getValue()).slice(0, 8)}</code> },
  {
    id: 'highlights',
    label: 'Matches (q)',
    header: 'Matches',
    accessorFn: (e) => e.highlights ?? [],
    cell: (c) => (
      <ul class="highlights">
        {(c.getValue() as LedgerEntry['highlights'])!.slice(0, 2).map((h) => (
          <li key={h.field}>
            <span class="key">{h.field}: </span>
            <Snippet value={h.snippet} />
          </li>
        ))}
      </ul>
    ),
  },
];

export const DEFAULT_COLUMNS = ['timestamp', 'name', 'outcome', 'agent_id', 'cost_usd', 'duration_ms', 'highlights'];
