// A button that asks before it acts: the first click names the consequence and offers
// "Yes" and "Cancel", for changes that redeploy an app or cannot be undone.
import { useState } from 'preact/hooks';

export function ConfirmButton({ label, question, confirm, onConfirm, ariaLabel }: { label: string; question: string; confirm: string; onConfirm: () => void; ariaLabel?: string }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="ghost" onClick={() => setAsking(true)} aria-label={ariaLabel}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm" role="group" aria-label={question}>
      <span>{question}</span>
      <button
        type="button"
        class="destructive"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirm}
      </button>
      <button type="button" class="ghost" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
