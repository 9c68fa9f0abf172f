// Owners: who owns apps, their members, the custom domains an admin allows them, and their
// quotas. Admins create and delete owners and change members and domains; others see their own.
import { api } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { Field } from '../components/field.js';
import { Notice } from '../components/notice.js';
import { NotifySection } from '../components/notify-section.js';
import { field, list, NAME_PATTERN } from '../format.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

interface Owner {
  name: string;
  domains: string[];
  members: string[];
  apps: number;
  limits: { apps: number; previews: number; runs: number };
}

export function OwnersPage({ admin }: { admin: boolean }) {
  const owners = useApi<Owner[]>('/owners');
  const { error, run } = useAction();
  const change = (fn: () => Promise<unknown>) =>
    run(async () => {
      await fn();
      owners.reload();
    });
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const domains = list(field(f, 'domains'));
    if (await change(() => api('POST', '/owners', { name: field(f, 'name').trim(), ...(domains.length ? { domains } : {}) }))) form.reset();
  };
  const addMember = async (e: Event, owner: string) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const user = field(new FormData(form), 'user').trim();
    if (await change(() => api('PUT', `/owners/${encodeURIComponent(owner)}/members/${encodeURIComponent(user)}`))) form.reset();
  };
  const setDomains = async (e: Event, owner: string) => {
    e.preventDefault();
    await change(() => api('PATCH', `/owners/${encodeURIComponent(owner)}`, { domains: list(field(new FormData(e.currentTarget as HTMLFormElement), 'domains')) }));
  };
  return (
    <section aria-labelledby="owners-title" class="stack">
      <h1 id="owners-title">Owners</h1>
      <p class="muted">Every app belongs to an owner; users see and change the apps of the owners they are members of.</p>
      <Notice error={owners.error ?? error} />
      <div class="grid cards">
        {(owners.data ?? []).map((o) => (
          <section key={o.name} class="card stack owner-card" aria-label={`Owner ${o.name}`}>
            <h2>{o.name}</h2>
            <p>
              {o.apps} of {o.limits.apps} apps · previews up to {o.limits.previews} · runs up to {o.limits.runs}
            </p>
            <div>
              <strong>Members:</strong>{' '}
              {o.members.length === 0 && <span class="muted">none</span>}
              <ul class="plain">
                {o.members.map((m) => (
                  <li key={m} class="row">
                    <span>{m}</span>
                    {admin && <ConfirmButton label="Remove" ariaLabel={`Remove ${m} from ${o.name}`} question={`Remove ${m} from ${o.name}?`} confirm="Remove" onConfirm={() => void change(() => api('DELETE', `/owners/${encodeURIComponent(o.name)}/members/${encodeURIComponent(m)}`))} />}
                  </li>
                ))}
              </ul>
            </div>
            <NotifySection owner={o.name} />
            {admin ? (
              <>
                <form class="row fields" onSubmit={(e) => void addMember(e, o.name)} aria-label={`Add a member to ${o.name}`}>
                  <label class="grow">
                    User
                    <input name="user" required autocomplete="off" />
                  </label>
                  <button type="submit">Add member</button>
                </form>
                <form class="row fields" onSubmit={(e) => void setDomains(e, o.name)} aria-label={`Domains of ${o.name}`}>
                  <Field label="Allowed domains" hint="comma-separated" grow>
                    <input name="domains" defaultValue={o.domains.join(', ')} autocomplete="off" />
                  </Field>
                  <button type="submit">Save domains</button>
                </form>
                {o.name !== 'default' && o.apps === 0 && (
                  <div>
                    <ConfirmButton label="Delete owner" ariaLabel={`Delete owner ${o.name}`} question={`Delete ${o.name}?`} confirm={`Delete ${o.name}`} onConfirm={() => void change(() => api('DELETE', `/owners/${encodeURIComponent(o.name)}`))} />
                  </div>
                )}
              </>
            ) : (
              <p>
                <strong>Allowed domains:</strong> {o.domains.join(', ') || 'none'}
              </p>
            )}
          </section>
        ))}
      </div>
      {admin && (
        <form class="card stack" onSubmit={create} aria-label="Create an owner">
          <h2>New owner</h2>
          <div class="row fields">
            <label>
              Owner name
              <input name="name" required pattern={NAME_PATTERN} autocomplete="off" />
            </label>
            <Field label="Allowed domains" hint="optional, comma-separated" grow>
              <input name="domains" placeholder="shop.example.com" autocomplete="off" />
            </Field>
            <button type="submit">Create owner</button>
          </div>
        </form>
      )}
    </section>
  );
}
