// Human output for the CLI: aligned tables and relative times, and the one filter every printed
// line passes (sanitizeTerminal): app and build output is the tenant's text, not the terminal's.

/**
 * Terminal control in text: ESC sequences (CSI, the string kinds OSC/DCS/SOS/PM/APC up to BEL or
 * ST, and two-character ones), their 8-bit C1 forms, then any C0 control but \n and \t, DEL and C1.
 */
const ESCAPES = new RegExp(
  [
    // CSI: ESC [ or its 8-bit form, parameter and intermediate bytes, one final byte.
    '(?:\\x1b\\[|\\x9b)[\\x30-\\x3f]*[\\x20-\\x2f]*[\\x40-\\x7e]?',
    // OSC, DCS, SOS, PM, APC: everything up to BEL or ST (ESC \ or 0x9c), or the end of the line.
    '(?:\\x1b[\\]PX^_]|[\\x90\\x98\\x9d\\x9e\\x9f])[^\\x07\\x1b\\x9c\\n]*(?:\\x07|\\x1b\\\\|\\x9c)?',
    // Any other ESC: intermediate bytes and one final byte (ESC c resets the terminal, ESC 7 saves the cursor).
    '\\x1b[\\x20-\\x2f]*[\\x30-\\x7e]?',
    // What is left: C0 but \t and \n, DEL, C1.
    '[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]',
  ].join('|'),
  'g',
);

/**
 * `text` without anything a terminal would act on rather than show: no escape sequences, no
 * control characters but newline and tab. Ordinary Unicode is kept. Pure; the CLI's `out` and
 * `err` pass everything through it, so tenants' logs cannot rewrite an admin's screen or clipboard.
 */
export function sanitizeTerminal(text: string): string {
  return text.replace(ESCAPES, '');
}

export function table(headers: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
