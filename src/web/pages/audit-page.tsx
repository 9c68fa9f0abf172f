// The audit log, newest first: who changed what, when, and how it went. Admins see everything;
// others name an app.
import { useState } from 'preact/hooks';
import { Notice } from '../components/notice.js';
import { ago } from '../format.js';
import { useApi } from '../use-api.js';

interface Entry {
  at: string;
  user: string;
  action: string;
  app: string | null;
  status: number;
}

export function AuditPage({ admin }: { admin: boolean }) {
  const [app, setApp] = useState('');
  const [query, setQuery] = useState('');
  const path = app ? `/audit?limit=200&app=${encodeURIComponent(app)}` : admin ? '/audit?limit=200' : null;
  const audit = useApi<Entry[]>(path);
  const submit = (e: Event) => {
    e.preventDefault();
    setApp(query.trim());
  };
  return (
    <section aria-labelledby="audit-title" class="stack">
      <h1 id="audit-title">Audit log</h1>
      <form class="row fields" onSubmit={submit} aria-label="Filter the audit log">
        <label class="grow">
          <span>
            App <span class="muted">(owner/name; empty: all)</span>
          </span>
          <input value={query} onInput={(e) => setQuery(e.currentTarget.value)} placeholder="default/shop" autocomplete="off" />
        </label>
        <button type="submit">Show</button>
      </form>
      <Notice error={audit.error} />
      {!path && <p class="muted">Name an app to read its entries.</p>}
      {audit.data && audit.data.length === 0 && <p class="empty">No entries.</p>}
      {audit.data && audit.data.length > 0 && (
        <div class="table-wrap">
          <table class="audit">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col" class="wide-only">App</th>
                <th scope="col" class="num">Result</th>
              </tr>
            </thead>
            <tbody>
              {audit.data.map((a, i) => (
                <tr key={i}>
                  <td title={a.at}>{ago(a.at)}</td>
                  <td>{a.user}</td>
                  <td class="wrap">{a.action}</td>
                  <td class="wide-only">{a.app ?? '-'}</td>
                  <td class={`num ${a.status >= 400 ? 'reason' : ''}`}>{a.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
