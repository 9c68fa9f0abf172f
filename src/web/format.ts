// Pure formatting for the dashboard: relative times, byte sizes, percentages.

/** "12s ago", "5m ago": the CLI's own, so both say it the same way. */
export { ago } from '../cli/output.js';

/** 1536 -> "1.5 KiB"; null -> "-". */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const percent = (n: number | null | undefined): string => (n === null || n === undefined ? '-' : `${n.toFixed(n < 10 ? 1 : 0)}%`);

/** The app reference the API takes: owner/name. */
export const appRef = (a: { owner: string; name: string }): string => `${a.owner}/${a.name}`;

/** Lines of `lines` containing `query`, case-insensitively; all of them for an empty query. */
export function filterLines(lines: string[], query: string): string[] {
  const q = query.trim().toLowerCase();
  return q ? lines.filter((l) => l.toLowerCase().includes(q)) : lines;
}

/** A form field's text ('' when absent): FormData values are strings for text inputs. */
export function field(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === 'string' ? v : '';
}

/**
 * The server's message without the owner the user never typed: a new app without an owner
 * belongs to `default`, and "default/shop" reads as a name they did not choose.
 */
export function withoutOwner(message: string, owner: string): string {
  const escaped = owner.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message.replace(new RegExp(`(^|[\\s'"“(])${escaped}/(?=\\S)`, 'g'), '$1');
}

/** "a, b ,,c" -> ['a', 'b', 'c']: a comma-separated form field as a list. */
export const list = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * An app or owner name as an HTML `pattern` (2-30 lowercase letters, digits and dashes). Browsers
 * compile patterns with the `v` flag, where a bare `-` in a class is a syntax error: escaped.
 */
export const NAME_PATTERN = '[a-z][a-z0-9\\-]{0,28}[a-z0-9]';
