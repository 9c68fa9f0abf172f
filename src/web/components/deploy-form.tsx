// Deploy from a git URL and ref, or from an image on the host; follows the deploy's log live.
import { useState } from 'preact/hooks';
import { field } from '../format.js';
import { api, appPath } from '../api.js';
import { DeployLog } from './deploy-log.js';
import { Notice } from './notice.js';
import { useAction } from '../use-action.js';

interface Started {
  deployment: { id: number };
}

export function DeployForm({ appRef, create, onDone }: { appRef?: string; create?: boolean; onDone?: (app: string) => void }) {
  const [kind, setKind] = useState<'git' | 'image'>('git');
  const { error, run } = useAction();
  const [started, setStarted] = useState<(Started & { ref: string }) | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const owner = field(f, 'owner').trim();
    // A new app without an owner belongs to the default owner, as on the command line.
    const ref = appRef ?? `${owner || 'default'}/${field(f, 'name')}`;
    const body = kind === 'git' ? { git: { url: field(f, 'url'), ref: (field(f, 'ref') || 'main') } } : { image: field(f, 'image') };
    const query = create ? `?create=true${owner ? `&owner=${encodeURIComponent(owner)}` : ''}` : '';
    setStarted(null);
    await run(async () => setStarted({ ...(await api<Started>('POST', appPath(ref, `/deploys${query}`), body)), ref }));
  };
  return (
    <>
      <form class="stack" onSubmit={submit}>
        {create && (
          <div class="row">
            <label>
              App name
              <input name="name" required pattern="[a-z][a-z0-9-]{0,28}[a-z0-9]" title="2-30 lowercase letters, digits and dashes" />
            </label>
            <label>
              Owner <span class="muted">(optional)</span>
              <input name="owner" pattern="[a-z][a-z0-9-]{0,28}[a-z0-9]" />
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
        </fieldset>
        {kind === 'git' ? (
          <div class="row">
            <label class="grow">
              Git URL
              <input name="url" required placeholder="https://git.example.com/you/app.git" />
            </label>
            <label>
              Ref
              <input name="ref" placeholder="main" />
            </label>
          </div>
        ) : (
          <label>
            Image on this host
            <input name="image" required placeholder="registry.example.com/app:1.2.3" />
          </label>
        )}
        <Notice error={error} />
        <button type="submit">Deploy</button>
      </form>
      {started && <DeployLog deploymentId={started.deployment.id} onEnd={() => onDone?.(started.ref)} />}
    </>
  );
}
