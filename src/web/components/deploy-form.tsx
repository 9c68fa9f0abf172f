// Deploy from a git URL and ref, or from an image on the host, following the deploy's log live;
// or (a new app) create it empty and show how to deploy it with git push.
import { useState } from 'preact/hooks';
import { field, NAME_PATTERN, withoutOwner } from '../format.js';
import { api, appPath } from '../api.js';
import { DeployLog } from './deploy-log.js';
import { GitPush, type GitView } from './git-push.js';
import { Notice } from './notice.js';
import { useAction } from '../use-action.js';

interface Started {
  deployment: { id: number };
}

type Kind = 'git' | 'image' | 'push';

export function DeployForm({ appRef, create, onDone }: { appRef?: string; create?: boolean; onDone?: (app: string) => void }) {
  const [kind, setKind] = useState<Kind>('git');
  const { error, run } = useAction();
  const [started, setStarted] = useState<(Started & { ref: string }) | null>(null);
  const [created, setCreated] = useState<{ ref: string; git: GitView } | null>(null);
  const [typedOwner, setTypedOwner] = useState(true);
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const owner = field(f, 'owner').trim();
    const name = field(f, 'name').trim();
    setTypedOwner(owner !== '');
    // A new app without an owner belongs to the default owner, as on the command line.
    const ref = appRef ?? `${owner || 'default'}/${name}`;
    setStarted(null);
    setCreated(null);
    if (kind === 'push') {
      await run(async () => {
        await api('POST', '/apps', { name, ...(owner ? { owner } : {}) });
        setCreated({ ref, git: await api<GitView>('GET', appPath(ref, '/git')) });
        onDone?.(ref);
      });
      return;
    }
    const body = kind === 'git' ? { git: { url: field(f, 'url'), ref: field(f, 'ref') || 'main' } } : { image: field(f, 'image') };
    const query = create ? `?create=true${owner ? `&owner=${encodeURIComponent(owner)}` : ''}` : '';
    await run(async () => setStarted({ ...(await api<Started>('POST', appPath(ref, `/deploys${query}`), body)), ref }));
  };
  const shownError = error && create && !typedOwner ? withoutOwner(error, 'default') : error;
  return (
    <>
      <form class="stack" onSubmit={submit}>
        {create && (
          <div class="row fields">
            <label>
              App name
              <input name="name" required pattern={NAME_PATTERN} title="2-30 lowercase letters, digits and dashes, starting with a letter" autocomplete="off" />
            </label>
            <label>
              <span>
                Owner <span class="muted">(optional)</span>
              </span>
              <input name="owner" pattern={NAME_PATTERN} title="an owner's name; empty: default" autocomplete="off" />
            </label>
          </div>
        )}
        <fieldset class="row">
          <legend>Source</legend>
          <label class="inline">
            <input type="radio" name="kind" checked={kind === 'git'} onChange={() => setKind('git')} /> Git repository
          </label>
          <label class="inline">
            <input type="radio" name="kind" checked={kind === 'image'} onChange={() => setKind('image')} /> Image
          </label>
          {create && (
            <label class="inline">
              <input type="radio" name="kind" checked={kind === 'push'} onChange={() => setKind('push')} /> Nothing yet: I will git push
            </label>
          )}
        </fieldset>
        {kind === 'git' && (
          <div class="row fields">
            <label class="grow">
              Git URL
              <input name="url" required placeholder="https://git.example.com/you/app.git" />
            </label>
            <label>
              Ref
              <input name="ref" placeholder="main" />
            </label>
          </div>
        )}
        {kind === 'image' && (
          <label>
            Image on this host
            <input name="image" required placeholder="registry.example.com/app:1.2.3" />
          </label>
        )}
        <Notice error={shownError} />
        <div>
          <button type="submit">{kind === 'push' ? 'Create app' : 'Deploy'}</button>
        </div>
      </form>
      {created && <GitPush git={created.git} title={`Created ${created.ref.replace(/^default\//, '')}: now push your code`} />}
      {started && <DeployLog deploymentId={started.deployment.id} onEnd={() => onDone?.(started.ref)} />}
    </>
  );
}
