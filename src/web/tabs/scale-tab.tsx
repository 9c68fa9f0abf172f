// How many containers run per process type; applied to the running release in place.
import { useState } from 'preact/hooks';
import { api, appPath, type PsRow } from '../api.js';
import { Notice } from '../components/notice.js';
import { field } from '../format.js';
import type { TabProps } from '../pages/app-page.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

export function ScaleTab({ app, ref_, canWrite, tick }: TabProps) {
  const ps = useApi<PsRow[]>(appPath(ref_, '/ps'), [tick]);
  const { error, busy, run } = useAction();
  const [ok, setOk] = useState<string | null>(null);
  const types = Object.keys(app.currentDeployment?.processes ?? {}).filter((t) => t !== 'release');
  const running = (t: string) => (ps.data ?? []).filter((p) => p.type === t).length;
  if (types.length === 0) return <p class="muted">Nothing to scale until the app has a running release.</p>;
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const formation = Object.fromEntries(types.map((t) => [t, Number(field(f, t))]));
    setOk(null);
    await run(async () => {
      const r = await api<{ formation: Record<string, number> }>('POST', appPath(ref_, '/scale'), { formation });
      setOk(`Scaled: ${Object.entries(r.formation).map(([t, n]) => `${t}=${n}`).join(' ')}`);
      ps.reload();
    });
  };
  return (
    <form class="stack" onSubmit={submit}>
      {types.map((t) => (
        <label key={`${t}-${running(t)}`} class="row">
          <span class="type">{t}</span>
          <input name={t} type="number" min={0} max={20} defaultValue={String(running(t))} disabled={!canWrite} />
          <span class="muted">{running(t)} running</span>
        </label>
      ))}
      <Notice error={error} ok={ok} />
      {canWrite && (
        <button type="submit" disabled={busy}>
          {busy ? 'Scaling…' : 'Scale'}
        </button>
      )}
    </form>
  );
}
