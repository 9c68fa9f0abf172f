// Users (admins only): who may log in, their role and owners; add one (their first token is
// shown once), delete one after a confirmation.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { DataTable } from '../components/data-table.js';
import { Field } from '../components/field.js';
import { Notice } from '../components/notice.js';
import { ago, field, list, NAME_PATTERN } from '../format.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

interface User {
  name: string;
  role: string;
  owners: string[];
  createdAt: string;
}

export function UsersPage({ self }: { self: string }) {
  const users = useApi<User[]>('/users');
  const { error, run } = useAction();
  const [made, setMade] = useState<{ name: string; token: string } | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    await run(async () => {
      const r = await api<{ user: User; token: string }>('POST', '/users', { name: field(f, 'name').trim(), role: field(f, 'role'), owners: list(field(f, 'owners')) });
      setMade({ name: r.user.name, token: r.token });
      form.reset();
      users.reload();
    });
  };
  const remove = (name: string) =>
    run(async () => {
      await api('DELETE', `/users/${encodeURIComponent(name)}`);
      users.reload();
    });
  return (
    <section aria-labelledby="users-title" class="stack">
      <h1 id="users-title">Users</h1>
      <Notice error={users.error ?? error} />
      {made && (
        <div class="card" role="status">
          <p>{made.name}'s first token (give it to them; it is not shown again):</p>
          <pre class="log">{made.token}</pre>
        </div>
      )}
      <DataTable
        rows={users.data}
        rowKey={(u) => u.name}
        columns={[
          { header: 'User', cell: (u) => u.name },
          { header: 'Role', cell: (u) => u.role },
          { header: 'Owners', cellClass: 'wrap', cell: (u) => (u.role === 'admin' ? 'all' : u.owners.join(', ') || '-') },
          { header: 'Since', class: 'wide-only', cell: (u) => ago(u.createdAt) },
          {
            header: 'Actions',
            hidden: true,
            cell: (u) => u.name !== self && <ConfirmButton label="Delete" ariaLabel={`Delete ${u.name}`} question={`Delete ${u.name} with their tokens?`} confirm={`Delete ${u.name}`} onConfirm={() => void remove(u.name)} />,
          },
        ]}
      />
      <form class="card stack" onSubmit={create} aria-label="Add a user">
        <h2>New user</h2>
        <div class="row fields">
          <label>
            User name
            <input name="name" required pattern={NAME_PATTERN} autocomplete="off" />
          </label>
          <label>
            Role
            <select name="role">
              <option value="member">member</option>
              <option value="viewer">viewer</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <Field label="Owners" hint="comma-separated" grow>
            <input name="owners" placeholder="team-a, team-b" autocomplete="off" />
          </Field>
          <button type="submit">Add user</button>
        </div>
      </form>
    </section>
  );
}
