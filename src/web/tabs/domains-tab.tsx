// Custom domains of the app, within those an admin allows its owner; routed at once.
import { api, appPath } from '../api.js';
import { Notice } from '../components/notice.js';
import { field } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

interface Domains {
  domains: string[];
  allowed: string[];
}

export function DomainsTab({ ref_, canWrite, tick, reload }: TabProps) {
  const d = useApi<Domains>(appPath(ref_, '/domains'), [tick]);
  const { error, run } = useAction();
  const put = (domains: string[]) =>
    run(async () => {
      await api('PUT', appPath(ref_, '/domains'), { domains });
      d.reload();
      reload();
    });
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    await put([...(d.data?.domains ?? []), field(new FormData(form), 'domain').trim()]);
    form.reset();
  };
  return (
    <div class="stack">
      <Notice error={d.error ?? error} />
      <p class="muted">Allowed for this owner: {d.data?.allowed.join(', ') || 'none (an admin allows domains with `berth owners allow`)'}</p>
      <ul class="plain">
        {(d.data?.domains ?? []).map((x) => (
          <li key={x} class="row">
            <span>{x}</span>
            {canWrite && (
              <button type="button" class="ghost" onClick={() => put((d.data?.domains ?? []).filter((y) => y !== x))} aria-label={`Remove ${x}`}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {canWrite && (
        <form class="row" onSubmit={submit} aria-label="Add a domain">
          <label class="grow">
            Domain
            <input name="domain" required placeholder="shop.example.com" />
          </label>
          <button type="submit">Add</button>
        </form>
      )}
    </div>
  );
}
