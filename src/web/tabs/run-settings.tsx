// The app's port, health check and per-container limits: a form for writers (read only for
// viewers). Saving a change rolls out a new release when one runs, followed here as the config
// tab follows a config change; without one the settings wait for the next deploy.
import { useState } from 'preact/hooks';
import { api, appPath } from '../api.js';
import { DeployLog } from '../components/deploy-log.js';
import { Field } from '../components/field.js';
import { Notice } from '../components/notice.js';
import { field } from '../format.js';
import { settingsForm, settingsPatch, type SettingsForm } from '../settings-patch.js';
import { useAction } from '../use-action.js';
import type { TabProps } from './tab-props.js';

type Answer = { stored: true } | { deployment: { id: number } };

export function RunSettings({ app, ref_, canWrite, reload }: TabProps) {
  const { error, busy, run } = useAction();
  const [ok, setOk] = useState<string | null>(null);
  const [deployment, setDeployment] = useState<number | null>(null);
  const hc = app.healthcheck;
  const now = settingsForm(app);
  const save = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const typed = Object.fromEntries((Object.keys(now) as (keyof SettingsForm)[]).map((k) => [k, field(f, k)])) as Record<keyof SettingsForm, string>;
    const patch = settingsPatch(app, typed);
    setOk(null);
    if (Object.keys(patch).length === 0) return setOk('Nothing changed.');
    await run(async () => {
      const r = await api<Answer>('PATCH', appPath(ref_, '/settings'), patch);
      if ('deployment' in r) setDeployment(r.deployment.id);
      else setOk('Saved: the next deploy runs with them.');
      reload();
    });
  };
  return (
    <section class="card stack" aria-labelledby="run-h">
      <h2 id="run-h">Port, health check and limits</h2>
      <p data-testid="run-settings">
        Port {app.port ?? 'not known until the first deploy'} · GET <code>{hc.path}</code> · timeout {hc.timeoutMs / 1000}s · {hc.attempts} attempts every {hc.intervalMs / 1000}s · {app.limits.memoryMb} MB memory · {app.limits.cpus} {app.limits.cpus === 1 ? 'CPU' : 'CPUs'} per container
      </p>
      {/* Keyed by what runs now: after a rollout the fields show the new values. */}
      <form key={JSON.stringify(now)} class="stack" onSubmit={save}>
        <fieldset class="stack" disabled={!canWrite || busy}>
          <div class="row fields">
            <Field label="Port" hint="empty: the image's EXPOSE">
              <input name="port" type="number" min={1} max={65535} step={1} defaultValue={now.port} />
            </Field>
            <Field label="Health check path" grow>
              <input name="path" required pattern="/\S*" maxLength={1024} title="a path starting with /" defaultValue={now.path} autocomplete="off" />
            </Field>
          </div>
          <div class="row">
            <Field label="Timeout" hint="seconds">
              <input name="timeout" type="number" required min={0.001} max={120} step={0.001} defaultValue={now.timeout} />
            </Field>
            <Field label="Attempts">
              <input name="attempts" type="number" required min={1} max={1000} step={1} defaultValue={now.attempts} />
            </Field>
            <Field label="Interval" hint="seconds">
              <input name="interval" type="number" required min={0} max={60} step={0.001} defaultValue={now.interval} />
            </Field>
          </div>
          <div class="row">
            <Field label="Memory" hint="MB">
              <input name="memory" type="number" min={16} max={1048576} step={1} defaultValue={now.memory} />
            </Field>
            <Field label="CPUs">
              <input name="cpus" type="number" min={0.01} max={256} step="any" defaultValue={now.cpus} />
            </Field>
          </div>
        </fieldset>
        <p class="muted">
          {app.currentDeployment ? 'Saving rolls out a new release with them (no downtime). ' : ''}
          The app's <code>berth.yml</code> (<code>port:</code>, <code>healthcheck:</code>, <code>limits:</code>) sets them again at the next deploy that states them.
        </p>
        <Notice error={error} ok={ok} />
        {canWrite && (
          <div>
            <button type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
          </div>
        )}
      </form>
      {deployment && <DeployLog key={deployment} deploymentId={deployment} onEnd={reload} />}
    </section>
  );
}
