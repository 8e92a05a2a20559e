import { createTable, getCoreRowModel, type ColumnDef, type SortingState, type TableOptionsResolved, type VisibilityState } from '@tanstack/table-core';
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useMemo } from 'preact/hooks';

export interface DataTableProps<T> {
  data: T[];
  columns: ColumnDef<T, any>[];
  visibility?: VisibilityState;
  /** Sorting is the server's: the table shows it and reports clicks. */
  sorting?: SortingState;
  onSort?: (columnId: string) => void;
  onRowClick?: (row: T) => void;
  rowKey: (row: T) => string;
  selected?: string | null;
  caption: string;
  /** Called after the rows are in the DOM. */
  onRendered?: () => void;
}

function render(content: unknown, context: unknown): ComponentChildren {
  return typeof content === 'function' ? content(context) : (content as ComponentChildren);
}

/** A table through @tanstack/table-core (column model, visibility, sort state); rows are a plain page, never virtualised. */
export function DataTable<T>(props: DataTableProps<T>) {
  const { data, columns, visibility = {}, sorting = [] } = props;
  const table = useMemo(() => {
    const options: TableOptionsResolved<T> = {
      data,
      columns,
      state: { columnVisibility: visibility, sorting, columnPinning: {}, columnOrder: [] },
      onStateChange: () => {},
      renderFallbackValue: '',
      getCoreRowModel: getCoreRowModel(),
      manualSorting: true,
      getRowId: (row) => props.rowKey(row),
    };
    return createTable(options);
  }, [data, columns, JSON.stringify(visibility), JSON.stringify(sorting)]);
  useLayoutEffect(() => props.onRendered?.(), [data]);
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sortable = header.column.columnDef.enableSorting !== false && props.onSort;
                const dir = sorting.find((s) => s.id === header.column.id);
                return (
                  <th key={header.id} scope="col" aria-sort={dir ? (dir.desc ? 'descending' : 'ascending') : undefined}>
                    {sortable ? (
                      <button type="button" class="sort" onClick={() => props.onSort!(header.column.id)}>
                        {render(header.column.columnDef.header, header.getContext())}
                        {dir ? (dir.desc ? ' ▼' : ' ▲') : ''}
                      </button>
                    ) : (
                      render(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((row) => (
            <tr key={row.id} class={row.id === props.selected ? 'selected' : undefined}>
              {row.getVisibleCells().map((cell, i) => (
                <td key={cell.id}>
                  {i === 0 && props.onRowClick ? (
                    <button type="button" class="link row-open" onClick={() => props.onRowClick!(row.original)}>
                      {render(cell.column.columnDef.cell, cell.getContext())}
                    </button>
                  ) : (
                    render(cell.column.columnDef.cell, cell.getContext())
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {data.length === 0 && <p class="muted">Nothing matches.</p>}
    </div>
  );
}
