// Destroying the app: containers, images, routes and rows, after typing its name.
import { useState } from 'preact/hooks';
import { api, appPath } from '../api.js';
import { Notice } from '../components/notice.js';
import { useAction } from '../use-action.js';
import type { TabProps } from '../pages/app-page.js';

export function SettingsTab({ app, ref_, canWrite }: TabProps) {
  const [typed, setTyped] = useState('');
  const { error, busy, run } = useAction();
  if (!canWrite) return <p class="muted">Viewers cannot change settings.</p>;
  const destroy = async (e: Event) => {
    e.preventDefault();
    await run(async () => {
      await api('DELETE', appPath(ref_));
      location.hash = '#/';
    });
  };
  return (
    <form class="danger stack" onSubmit={destroy} aria-labelledby="destroy-h">
      <h2 id="destroy-h">Destroy {app.name}</h2>
      <p>This stops its containers and removes its images, routes, releases, config and logs. It cannot be undone.</p>
      <label>
        Type <strong>{app.name}</strong> to confirm
        <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autocomplete="off" />
      </label>
      <Notice error={error} />
      <button type="submit" class="destructive" disabled={typed !== app.name || busy}>
        {busy ? 'Destroying…' : `Destroy ${app.name}`}
      </button>
    </form>
  );
}
