// How many containers run per process type, with each type's command; applied to the running
// release in place. Every declared type is listed with the quantity it is set to, zeros included
// (only web runs unless scaled, as on Heroku); the running count follows the containers (polled
// while the tab is open).
import { useEffect, useState } from 'preact/hooks';
import { api, appPath, type FormationRow, type PsRow } from '../api.js';
import { Notice } from '../components/notice.js';
import { field } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

const POLL_MS = 1000;

export function ScaleTab({ app, ref_, canWrite, tick }: TabProps) {
  const [poll, setPoll] = useState(0);
  const ps = useApi<PsRow[]>(appPath(ref_, '/ps'), [tick, poll]);
  const declared = useApi<FormationRow[]>(appPath(ref_, '/formation'), [tick]);
  const { error, busy, run } = useAction();
  const [ok, setOk] = useState<string | null>(null);
  // Asks again a moment after each answer (not on a fixed clock: reading stats can take longer).
  useEffect(() => {
    const t = setTimeout(() => setPoll((n) => n + 1), POLL_MS);
    return () => clearTimeout(t);
  }, [ps.answers]);
  const processes = app.currentDeployment?.processes ?? {};
  const types = Object.keys(processes).filter((t) => t !== 'release');
  const quantity = (t: string) => declared.data?.find((f) => f.type === t)?.quantity ?? running(t);
  const running = (t: string) => (ps.data ?? []).filter((p) => p.type === t && p.state.startsWith('running')).length;
  if (types.length === 0) return <p class="muted">Nothing to scale until the app has a running release.</p>;
  if (!ps.data || !declared.data) {
    const failed = ps.error ?? declared.error;
    return failed ? <Notice error={failed} /> : <p class="muted">Reading the containers…</p>;
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const formation = Object.fromEntries(types.map((t) => [t, Number(field(f, t))]));
    setOk(null);
    await run(async () => {
      const r = await api<{ formation: Record<string, number>; applied?: boolean }>('POST', appPath(ref_, '/scale'), { formation });
      const counts = Object.entries(r.formation).map(([t, n]) => `${t}=${n}`).join(' ');
      // A server that says it did not apply it (no running release) is believed, not hidden.
      setOk(r.applied === false ? `Saved ${counts}: no release is running, so it applies at the next deploy.` : `Scaled: ${counts}`);
      ps.reload();
      declared.reload();
    });
  };
  return (
    <form class="stack" onSubmit={submit} aria-label="Scale the processes">
      <ul class="plain processes">
        {types.map((t) => (
          <li key={t} class="process" data-type={t}>
            <label for={`scale-${t}`} class="type">
              {t}
            </label>
            <input id={`scale-${t}`} name={t} type="number" min={0} max={20} defaultValue={String(quantity(t))} disabled={!canWrite} aria-describedby={`cmd-${t}`} />
            <span class="muted live-count" aria-live="polite">
              {running(t)} running
            </span>
            <code id={`cmd-${t}`} class="command">
              {processes[t] || "the image's own command (CMD)"}
            </code>
          </li>
        ))}
      </ul>
      <Notice error={error} ok={ok} />
      {canWrite && (
        <div>
          <button type="submit" disabled={busy}>
            {busy ? 'Scaling…' : 'Scale'}
          </button>
        </div>
      )}
    </form>
  );
}
