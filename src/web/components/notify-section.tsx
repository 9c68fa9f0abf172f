// An owner's notifications on the owners page: each endpoint (URL as scheme and host only, its
// events and last delivery), adding one (a generic webhook's signing secret is shown once),
// sending a test, removing one. The API decides who may change them (admins, members).
import { useState } from 'preact/hooks';
import type { NotifyEndpointView } from '../../domain/notify/notify-service.js';
import { api } from '../api.js';
import { ago, field } from '../format.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';
import { ConfirmButton } from './confirm-button.js';
import { Field } from './field.js';
import { Notice } from './notice.js';

function lastDelivery(l: NotifyEndpointView['last']): string {
  if (!l) return 'never sent';
  const what = l.status === 'ok' ? `ok${l.code !== null ? ` ${l.code}` : ''}` : `${l.status}: ${l.error ?? 'failed'}`;
  return `${what} (${l.event}, ${ago(l.at)})`;
}

export function NotifySection({ owner }: { owner: string }) {
  const path = `/owners/${encodeURIComponent(owner)}/notify`;
  const endpoints = useApi<NotifyEndpointView[]>(path);
  const { error, run } = useAction();
  const [said, setSaid] = useState<string | null>(null);
  const change = (fn: () => Promise<string | null>) =>
    run(async () => {
      setSaid(null);
      setSaid(await fn());
      endpoints.reload();
    });
  const add = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const added = await change(async () => {
      const r = await api<{ endpoint: NotifyEndpointView; secret: string | null }>('POST', path, { url: field(f, 'url').trim(), kind: field(f, 'kind') });
      return r.secret ? `Added #${r.endpoint.id}. Its signing secret, shown only this once: ${r.secret}` : `Added #${r.endpoint.id}.`;
    });
    if (added) form.reset();
  };
  const test = (id: number) =>
    void change(async () => {
      const r = await api<{ ok: boolean; code: number | null; error: string | null }>('POST', `${path}/${id}/test`);
      return r.ok ? `Test #${id} sent: the receiver answered ${r.code}.` : `Test #${id} failed: ${r.error ?? 'no answer'}.`;
    });
  return (
    <div class="stack" role="group" aria-label={`Notifications of ${owner}`}>
      <div>
        <strong>Notifications:</strong> {(endpoints.data ?? []).length === 0 && <span class="muted">none</span>}
        <ul class="plain">
          {(endpoints.data ?? []).map((ep) => (
            <li key={ep.id} class="row">
              <span class="grow">
                #{ep.id} {ep.kind} to {ep.target} · {ep.events.join(', ')} · <span class="muted">{lastDelivery(ep.last)}</span>
              </span>
              <button type="button" aria-label={`Test notification #${ep.id} of ${owner}`} onClick={() => test(ep.id)}>
                Test
              </button>
              <ConfirmButton label="Remove" ariaLabel={`Remove notification #${ep.id} of ${owner}`} question={`Remove notification #${ep.id}?`} confirm="Remove" onConfirm={() => void change(async () => (await api('DELETE', `${path}/${ep.id}`), null))} />
            </li>
          ))}
        </ul>
      </div>
      <Notice error={endpoints.error ?? error} ok={said} />
      <form class="row fields" onSubmit={(e) => void add(e)} aria-label={`Add a notification to ${owner}`}>
        <Field label="Webhook URL" hint="http or https; kept sealed" grow>
          <input name="url" type="url" required autocomplete="off" placeholder="https://hooks.slack.com/services/…" />
        </Field>
        <label>
          Kind
          <select name="kind">
            <option value="webhook">Webhook (signed JSON)</option>
            <option value="slack">Slack</option>
          </select>
        </label>
        <button type="submit">Add notification</button>
      </form>
    </div>
  );
}
