// One table for the dashboard's lists: each column is a header and how to draw a row's cell.
// The wrapper scrolls inside itself; `wide-only` columns hide at phone width (app.css).
import type { ComponentChildren } from 'preact';

export interface Column<T> {
  /** The header's words (for screen readers only when `hidden`: e.g. an actions column). */
  header: string;
  hidden?: boolean;
  /** How to draw this column's cell for a row. */
  cell: (row: T) => ComponentChildren;
  /** Classes on the header and on every cell of the column, e.g. `wide-only`, `num`. */
  class?: string;
  /** Classes on the cells only (e.g. `wrap`), or worked out per row. */
  cellClass?: string | ((row: T) => string);
  /** The cell names its row (`<th scope="row">`), as an app's name does. */
  rowHeader?: boolean;
}

interface Props<T> {
  /** Nothing is drawn until the rows are known (still loading, or failed: a Notice says why). */
  rows: T[] | undefined;
  columns: Column<T>[];
  rowKey: (row: T, index: number) => string | number;
  /** Shown instead of the table when there are no rows; without it, an empty table. */
  empty?: string;
  class?: string;
  rowClass?: (row: T) => string | undefined;
}

const classes = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(' ') || undefined;

export function DataTable<T>({ rows, columns, rowKey, empty, class: tableClass, rowClass }: Props<T>) {
  if (!rows) return null;
  if (rows.length === 0 && empty) return <p class="empty">{empty}</p>;
  return (
    <div class="table-wrap">
      <table class={tableClass} data-count={rows.length}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" class={c.class}>
                {c.hidden ? <span class="sr-only">{c.header}</span> : c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={rowKey(row, i)} class={rowClass?.(row)}>
              {columns.map((c) => {
                const cls = classes(c.class, typeof c.cellClass === 'function' ? c.cellClass(row) : c.cellClass);
                return c.rowHeader ? (
                  <th key={c.header} scope="row" class={cls}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.header} class={cls}>
                    {c.cell(row)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
