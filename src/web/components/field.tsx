// A form field: its label, an optional hint in muted words after it ("(optional)"), and the
// input the label names (so the input's accessible name is label and hint).
import type { ComponentChildren } from 'preact';

export function Field({ label, hint, grow, children }: { label: string; hint?: string; grow?: boolean; children: ComponentChildren }) {
  return (
    <label class={grow ? 'grow' : undefined}>
      {hint ? (
        <span>
          {label} <span class="muted">({hint})</span>
        </span>
      ) : (
        label
      )}
      {children}
    </label>
  );
}
