// Config vars: masked until revealed, set and unset (after a confirmation: it redeploys); a
// change rolls out as a new release.
import { useState } from 'preact/hooks';
import { api, appPath } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { DeployLog } from '../components/deploy-log.js';
import { Notice } from '../components/notice.js';
import { field } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

type Answer = { config: Record<string, string> } | { deployment: { id: number } };

export function ConfigTab({ app, ref_, canWrite, tick }: TabProps) {
  const [reveal, setReveal] = useState(false);
  const config = useApi<{ config: Record<string, string> }>(appPath(ref_, `/config${reveal ? '?reveal=true' : ''}`), [tick]);
  const [deployment, setDeployment] = useState<number | null>(null);
  const { error, run } = useAction();
  const change = (body: { set?: Record<string, string>; unset?: string[] }) =>
    run(async () => {
      const r = await api<Answer>('PATCH', appPath(ref_, '/config'), body);
      if ('deployment' in r) setDeployment(r.deployment.id);
      config.reload();
    });
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    await change({ set: { [field(f, 'key').trim()]: field(f, 'value') } });
    form.reset();
  };
  const entries = Object.entries(config.data?.config ?? {});
  return (
    <div class="stack">
      <Notice error={config.error ?? error} />
      <div class="row">
        <button type="button" class="ghost" onClick={() => setReveal(!reveal)} aria-pressed={reveal}>
          {reveal ? 'Hide values' : 'Reveal values'}
        </button>
      </div>
      {entries.length === 0 ? (
        <p class="muted">No config vars.</p>
      ) : (
        <dl class="config">
          {entries.map(([k, v]) => (
            <div key={k} class="config-row">
              <dt>{k}</dt>
              <dd>
                <code>{v}</code>
                {canWrite && (
                  <ConfirmButton
                    label="Unset"
                    ariaLabel={`Unset ${k}`}
                    question={app.currentDeployment ? `Unset ${k}? The app redeploys without it.` : `Unset ${k}?`}
                    confirm={`Unset ${k}`}
                    onConfirm={() => void change({ unset: [k] })}
                  />
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {canWrite && (
        <form class="row" onSubmit={submit} aria-label="Set a config var">
          <label>
            Key
            <input name="key" required pattern="[A-Za-z_][A-Za-z0-9_]*" autocomplete="off" />
          </label>
          <label class="grow">
            Value
            <input name="value" autocomplete="off" />
          </label>
          <button type="submit">Set</button>
        </form>
      )}
      {deployment && <DeployLog key={deployment} deploymentId={deployment} />}
    </div>
  );
}
