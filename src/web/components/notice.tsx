// Errors and confirmations, announced to screen readers.
export function Notice({ error, ok }: { error?: string | null | undefined; ok?: string | null | undefined }) {
  if (error) {
    return (
      <p class="notice error" role="alert">
        {error}
      </p>
    );
  }
  if (ok) {
    return (
      <p class="notice ok" role="status">
        {ok}
      </p>
    );
  }
  return null;
}
