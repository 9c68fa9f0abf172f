// The caller's API tokens (every user's for admins): create one (its secret shown once),
// revoke one; and the caller's own dashboard password, so the next login needs no token.
import { useState } from 'preact/hooks';
import { api, type SessionInfo, type TokenView } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { DataTable } from '../components/data-table.js';
import { Field } from '../components/field.js';
import { Notice } from '../components/notice.js';
import { ago, field } from '../format.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';


export function TokensPage({ session }: { session: SessionInfo }) {
  const tokens = useApi<TokenView[]>('/tokens');
  const { error, run } = useAction();
  const pw = useAction();
  const [secret, setSecret] = useState<string | null>(null);
  const [pwOk, setPwOk] = useState<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const days = field(f, 'days');
    await run(async () => {
      const r = await api<{ token: string }>('POST', '/tokens', { name: field(f, 'name').trim(), ...(days ? { expiresInDays: Number(days) } : {}) });
      setSecret(r.token);
      form.reset();
      tokens.reload();
    });
  };
  const revoke = (id: number) =>
    run(async () => {
      await api('DELETE', `/tokens/${id}`);
      tokens.reload();
    });
  const setPassword = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const password = field(new FormData(form), 'password');
    setPwOk(null);
    if (await pw.run(() => api('PUT', `/users/${encodeURIComponent(session.user)}/password`, { password }))) {
      form.reset();
      setPwOk('Password set. Your sessions ended: you will log in again with it.');
    }
  };
  return (
    <section aria-labelledby="tokens-title" class="stack">
      <h1 id="tokens-title">API tokens</h1>
      <p class="muted">Tokens log in the `berth` command line, git pushes and this dashboard. A secret is shown once, when it is made.</p>
      <Notice error={tokens.error ?? error} />
      {secret && (
        <div class="card" role="status">
          <p>The new token (copy it now; it is not shown again):</p>
          <pre class="log" data-testid="new-token">{secret}</pre>
        </div>
      )}
      <DataTable
        rows={tokens.data}
        rowKey={(t) => t.id}
        columns={[
          { header: 'Name', cellClass: 'wrap', cell: (t) => t.name },
          { header: 'User', class: 'wide-only', cell: (t) => t.user },
          { header: 'Prefix', class: 'wide-only', cell: (t) => <code>{t.prefix}…</code> },
          { header: 'Last used', cell: (t) => (t.revokedAt ? <span class="badge badge-stopped">revoked</span> : ago(t.lastUsedAt)) },
          { header: 'Expires', class: 'wide-only', cell: (t) => (t.expiresAt ? t.expiresAt.slice(0, 10) : 'never') },
          {
            header: 'Actions',
            hidden: true,
            cell: (t) => !t.revokedAt && <ConfirmButton label="Revoke" ariaLabel={`Revoke ${t.name}`} question={`Revoke ${t.name}? What uses it stops working at once.`} confirm="Revoke" onConfirm={() => void revoke(t.id)} />,
          },
        ]}
      />
      <form class="card stack" onSubmit={create} aria-label="Create a token">
        <h2>New token</h2>
        <div class="row fields">
          <label class="grow">
            Token name
            <input name="name" required maxLength={100} pattern="[A-Za-z0-9 ._\-]+" placeholder="laptop" autocomplete="off" />
          </label>
          <Field label="Expires in days" hint="optional">
            <input name="days" type="number" min={1} max={3650} />
          </Field>
          <button type="submit">Create token</button>
        </div>
      </form>
      <form class="card stack narrow" onSubmit={setPassword} aria-labelledby="pw-h">
        <h2 id="pw-h">Your dashboard password</h2>
        <p class="muted">With a password, {session.user} logs in here by name and password instead of a token.</p>
        <label>
          New password
          <input name="password" type="password" required minLength={10} autocomplete="new-password" />
        </label>
        <Notice error={pw.error} ok={pwOk} />
        <div>
          <button type="submit" disabled={pw.busy}>
            Set password
          </button>
        </div>
      </form>
    </section>
  );
}
