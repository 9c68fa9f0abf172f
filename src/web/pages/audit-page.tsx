// The audit log, newest first: who changed what, when, and how it went. Admins see everything;
// others name an app.
import { useState } from 'preact/hooks';
import { DataTable } from '../components/data-table.js';
import { Field } from '../components/field.js';
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
        <Field label="App" hint="owner/name; empty: all" grow>
          <input value={query} onInput={(e) => setQuery(e.currentTarget.value)} placeholder="default/shop" autocomplete="off" />
        </Field>
        <button type="submit">Show</button>
      </form>
      <Notice error={audit.error} />
      {!path && <p class="muted">Name an app to read its entries.</p>}
      <DataTable
        rows={audit.data}
        rowKey={(_, i) => i}
        empty="No entries."
        class="audit"
        columns={[
          { header: 'When', cell: (a) => <span title={a.at}>{ago(a.at)}</span> },
          { header: 'Who', cell: (a) => a.user },
          { header: 'What', cellClass: 'wrap', cell: (a) => a.action },
          { header: 'App', class: 'wide-only', cell: (a) => a.app ?? '-' },
          { header: 'Result', class: 'num', cellClass: (a) => (a.status >= 400 ? 'reason' : ''), cell: (a) => a.status },
        ]}
      />
    </section>
  );
}
