// The app's settings: port, health check and limits (run-settings.tsx), the deploy branch,
// webhooks, pipeline stage and previews; and destroying the app after typing its name.
import { useState } from 'preact/hooks';
import { api, appPath, type AppView } from '../api.js';
import { ConfirmButton } from '../components/confirm-button.js';
import { Field } from '../components/field.js';
import type { GitView } from '../components/git-push.js';
import { Notice } from '../components/notice.js';
import { StatusBadge } from '../components/status-badge.js';
import { field } from '../format.js';
import type { TabProps } from './tab-props.js';
import { appHref } from '../router.js';
import { RunSettings } from './run-settings.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

export function SettingsTab(props: TabProps) {
  const { app, ref_, canWrite, tick } = props;
  const git = useApi<GitView>(appPath(ref_, '/git'), [tick]);
  return (
    <div class="stack">
      <RunSettings {...props} />
      <Notice error={git.error} />
      {git.data && <GitSettings ref_={ref_} git={git.data} canWrite={canWrite} reload={git.reload} />}
      {git.data && <Previews ref_={ref_} canWrite={canWrite} tick={tick} />}
      {canWrite ? <Destroy app={app} ref_={ref_} /> : <p class="muted">Viewers cannot change settings.</p>}
    </div>
  );
}

function GitSettings({ ref_, git, canWrite, reload }: { ref_: string; git: GitView; canWrite: boolean; reload: () => void }) {
  const { error, run } = useAction();
  const [ok, setOk] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const save = (what: string, fn: () => Promise<unknown>) =>
    run(async () => {
      setOk(null);
      await fn();
      setOk(what);
      reload();
    });
  const branch = (e: Event) => {
    e.preventDefault();
    const b = field(new FormData(e.currentTarget as HTMLFormElement), 'branch').trim();
    void save(`Pushes to ${b} deploy now.`, () => api('PATCH', appPath(ref_, '/git'), { branch: b }));
  };
  const next = (e: Event) => {
    e.preventDefault();
    const n = field(new FormData(e.currentTarget as HTMLFormElement), 'next').trim();
    void save(n ? `Promote deploys to ${n}.` : 'No next stage.', () => api('PUT', appPath(ref_, '/pipeline'), { next: n || null }));
  };
  const showSecret = (rotate: boolean) =>
    run(async () => {
      // Reading an existing secret is a GET (not a change in the audit log); making or rotating one a POST.
      const seen = rotate ? null : await api<{ secret: string | null }>('GET', appPath(ref_, '/webhook-secret'));
      const r = seen?.secret ? { secret: seen.secret } : await api<{ secret: string }>('POST', appPath(ref_, `/webhook-secret${rotate ? '?rotate=true' : ''}`));
      setSecret(r.secret);
      reload();
    });
  return (
    <section class="card stack" aria-labelledby="git-h">
      <h2 id="git-h">Git, webhooks and pipeline</h2>
      <form class="row fields" onSubmit={branch} aria-label="Set the deploy branch">
        <label class="grow">
          Deploy branch
          <input name="branch" defaultValue={git.branch} required disabled={!canWrite} autocomplete="off" />
        </label>
        {canWrite && <button type="submit">Save branch</button>}
      </form>
      <div>
        <p>Webhook URLs (a push to {git.branch} deploys):</p>
        <dl class="pairs">
          <dt>GitHub</dt>
          <dd>
            <code>{git.webhooks.github}</code>
          </dd>
          <dt>Other (generic)</dt>
          <dd>
            <code>{git.webhooks.generic}</code>
          </dd>
        </dl>
        {secret && (
          <p>
            Secret: <code data-testid="webhook-secret">{secret}</code>
          </p>
        )}
        {canWrite && (
          <div class="row">
            <button type="button" class="ghost" onClick={() => void showSecret(false)}>
              {git.hasWebhookSecret ? 'Show the webhook secret' : 'Make a webhook secret'}
            </button>
            {git.hasWebhookSecret && (
              <ConfirmButton label="Rotate secret" question="Rotate? Hooks with the old secret stop deploying." confirm="Rotate" onConfirm={() => void showSecret(true)} />
            )}
          </div>
        )}
      </div>
      <form class="row fields" onSubmit={next} aria-label="Set the next stage">
        <Field label="Next stage" hint="owner/name; empty: none" grow>
          <input name="next" defaultValue={git.next ?? ''} disabled={!canWrite} autocomplete="off" />
        </Field>
        {canWrite && <button type="submit">Save stage</button>}
      </form>
      <Notice error={error} ok={ok} />
    </section>
  );
}

function Previews({ ref_, canWrite, tick }: { ref_: string; canWrite: boolean; tick: number }) {
  const previews = useApi<AppView[]>(appPath(ref_, '/previews'), [tick]);
  const { error, run } = useAction();
  const [ok, setOk] = useState<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const url = field(f, 'url').trim();
    await run(async () => {
      setOk(null);
      const r = await api<{ app: string }>('POST', appPath(ref_, '/previews'), { ref: field(f, 'ref').trim(), ...(url ? { url } : {}) });
      setOk(`Deploying ${r.app}.`);
      form.reset();
      previews.reload();
    });
  };
  const number = (name: string) => Number(/-pr-(\d+)$/.exec(name)?.[1] ?? 0);
  const destroy = (n: number) =>
    run(async () => {
      await api('DELETE', appPath(ref_, `/previews/${n}`));
      previews.reload();
    });
  return (
    <section class="card stack" aria-labelledby="prev-h">
      <h2 id="prev-h">Previews</h2>
      {previews.data?.length === 0 && <p class="muted">No preview apps.</p>}
      <ul class="plain">
        {(previews.data ?? []).map((p) => (
          <li key={p.name} class="row">
            <a href={appHref(`${p.owner}/${p.name}`)}>{p.name}</a>
            <StatusBadge status={p.status} />
            {canWrite && number(p.name) > 0 && (
              <ConfirmButton label="Destroy" ariaLabel={`Destroy ${p.name}`} question={`Destroy ${p.name}?`} confirm="Destroy" onConfirm={() => void destroy(number(p.name))} />
            )}
          </li>
        ))}
      </ul>
      {canWrite && (
        <form class="row fields" onSubmit={create} aria-label="Deploy a preview">
          <label>
            Branch or ref
            <input name="ref" required autocomplete="off" />
          </label>
          <Field label="Repository URL" hint="empty: the app's own" grow>
            <input name="url" autocomplete="off" />
          </Field>
          <button type="submit">Deploy preview</button>
        </form>
      )}
      <Notice error={previews.error ?? error} ok={ok} />
    </section>
  );
}

function Destroy({ app, ref_ }: { app: AppView; ref_: string }) {
  const [typed, setTyped] = useState('');
  const { error, busy, run } = useAction();
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
        <span>
          Type <strong>{app.name}</strong> to confirm
        </span>
        <input value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autocomplete="off" />
      </label>
      <Notice error={error} />
      <div>
        <button type="submit" class="destructive" disabled={typed !== app.name || busy}>
          {busy ? 'Destroying…' : `Destroy ${app.name}`}
        </button>
      </div>
    </form>
  );
}
