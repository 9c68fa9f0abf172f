// Create an app: by deploying it (name, optional owner, a git repository or an image), or empty,
// with the git remote and push command to deploy it from one's own folder.
import { useState } from 'preact/hooks';
import { DeployForm } from '../components/deploy-form.js';
import { appHref } from '../router.js';

export function NewAppPage({ canWrite }: { canWrite: boolean }) {
  const [done, setDone] = useState<string | null>(null);
  if (!canWrite) return <p class="notice">Viewers cannot create apps.</p>;
  return (
    <section aria-labelledby="new-title" class="new-app">
      <h1 id="new-title">New app</h1>
      <DeployForm create onDone={setDone} />
      {done && (
        <p>
          <a class="button" href={appHref(done)}>
            Open {done}
          </a>
        </p>
      )}
    </section>
  );
}
