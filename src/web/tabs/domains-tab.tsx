// Custom domains of the app, within those an admin allows its owner; routed at once. Every
// host of the app with its certificate: issuer and expiry, or the CA's last error.
import { api, appPath, type HostCertificate } from '../api.js';
import { certificateProblem, certificateText } from '../certificates.js';
import { DataTable } from '../components/data-table.js';
import { Notice } from '../components/notice.js';
import { field } from '../format.js';
import type { TabProps } from './tab-props.js';
import { useAction } from '../use-action.js';
import { useApi } from '../use-api.js';

interface Domains {
  domains: string[];
  allowed: string[];
  certificates: HostCertificate[];
}

export function DomainsTab({ ref_, canWrite, tick, reload }: TabProps) {
  const d = useApi<Domains>(appPath(ref_, '/domains'), [tick]);
  const { error, run } = useAction();
  const custom = d.data?.domains ?? [];
  const put = (domains: string[]) =>
    run(async () => {
      await api('PUT', appPath(ref_, '/domains'), { domains });
      d.reload();
      reload();
    });
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    await put([...custom, field(new FormData(form), 'domain').trim()]);
    form.reset();
  };
  return (
    <div class="stack">
      <Notice error={d.error ?? error} />
      <p class="muted">Allowed for this owner: {d.data?.allowed.join(', ') || 'none (an admin allows domains with `berth owners allow`)'}</p>
      <DataTable
        rows={d.data?.certificates}
        rowKey={(c) => c.host}
        columns={[
          // Hosts and words wrap: at phone width the table fits rather than scrolls.
          { header: 'Host', rowHeader: true, cellClass: 'wrap', cell: (c) => c.host },
          {
            header: 'Certificate',
            cellClass: 'wrap',
            cell: (c) => {
              const problem = certificateProblem(c);
              return (
                <>
                  {certificateText(c)}
                  {problem && <div class="reason">Last error: {problem}</div>}
                </>
              );
            },
          },
          {
            header: 'Actions',
            hidden: true,
            cell: (c) =>
              canWrite &&
              custom.includes(c.host) && (
                <button type="button" class="ghost" onClick={() => put(custom.filter((y) => y !== c.host))} aria-label={`Remove ${c.host}`}>
                  Remove
                </button>
              ),
          },
        ]}
      />
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
