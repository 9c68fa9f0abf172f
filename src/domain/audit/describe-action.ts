// What an audit entry's action (`METHOD /api/v1/concrete/path`) means, in words: `berth audit`
// and the dashboard show these rather than raw requests. Pure.

/** The request an audit entry records: its method and concrete path (the query only where it changes the meaning). */
export function auditAction(method: string, url: string): string {
  const [path = '', query = ''] = url.split('?');
  // ?rotate=true turns reading the webhook secret into replacing it; no other query is kept (none carries meaning worth a row, and some could carry what a log should not).
  const rotate = new URLSearchParams(query).get('rotate') === 'true' ? '?rotate=true' : '';
  return `${method} ${path.slice(0, 300)}${rotate}`;
}

const A = '(?<app>[^/?]+)';
const ACTIONS: Array<[string, RegExp, string]> = [
  ['POST', /^\/apps$/, 'create app'],
  ['DELETE', new RegExp(`^/apps/${A}$`), 'destroy app'],
  ['PUT', new RegExp(`^/apps/${A}$`), 'change app settings'],
  ['PATCH', new RegExp(`^/apps/${A}/config$`), 'change config'],
  ['POST', new RegExp(`^/apps/${A}/deploys$`), 'deploy from git or an image'],
  ['POST', new RegExp(`^/apps/${A}/deploys/upload$`), 'deploy an upload'],
  ['PUT', new RegExp(`^/apps/${A}/domains$`), 'set domains'],
  ['PATCH', new RegExp(`^/apps/${A}/git$`), 'change git settings'],
  ['PUT', new RegExp(`^/apps/${A}/pipeline$`), 'set next pipeline stage'],
  ['POST', new RegExp(`^/apps/${A}/previews$`), 'deploy a preview'],
  ['DELETE', new RegExp(`^/apps/${A}/previews/(?<n>[^/]+)$`), 'destroy preview #$n'],
  ['POST', new RegExp(`^/apps/${A}/promote$`), 'promote'],
  ['POST', new RegExp(`^/apps/${A}/restart$`), 'restart'],
  ['POST', new RegExp(`^/apps/${A}/rollback$`), 'roll back'],
  ['POST', new RegExp(`^/apps/${A}/runs$`), 'run a one-off command'],
  ['POST', new RegExp(`^/apps/${A}/scale$`), 'scale'],
  ['POST', new RegExp(`^/apps/${A}/webhook-secret\\?rotate=true$`), 'rotate webhook secret'],
  ['POST', new RegExp(`^/apps/${A}/webhook-secret$`), 'make webhook secret'],
  ['POST', new RegExp(`^/apps/${A}/addons$`), 'create an add-on'],
  ['POST', new RegExp(`^/apps/${A}/addons/(?<a>[^/]+)$`), 'attach add-on $a'],
  ['DELETE', new RegExp(`^/apps/${A}/addons/(?<a>[^/]+)$`), 'detach add-on $a'],
  ['DELETE', /^\/addons\/(?<a>[^/]+)$/, 'destroy add-on $a'],
  ['POST', /^\/addons\/(?<a>[^/]+)\/runs$/, 'run the client of add-on $a'],
  ['POST', /^\/backups$/, 'take a backup'],
  ['POST', /^\/backups\/(?<id>[^/]+)\/check$/, 'check backup $id'],
  ['POST', /^\/restores$/, 'restore a backup'],
  ['POST', /^\/drills$/, 'run a restore drill'],
  ['POST', /^\/backup-destinations$/, 'add a backup destination'],
  ['DELETE', /^\/backup-destinations\/(?<o>[^/]+)\/(?<n>[^/]+)$/, 'remove backup destination $n of $o'],
  ['PUT', /^\/backup-schedules$/, 'set a backup schedule'],
  ['POST', /^\/backup-keys\/export$/, 'export the backup key'],
  ['POST', /^\/backup-keys\/import$/, 'import a backup key'],
  ['POST', /^\/backup-keys\/rotate$/, 'rotate the backup key'],
  ['POST', new RegExp(`^/apps/${A}/cron/(?<j>[^/]+)/run$`), 'run cron job $j'],
  ['POST', /^\/owners\/(?<o>[^/]+)\/notify$/, 'add a notification endpoint to $o'],
  ['DELETE', /^\/owners\/(?<o>[^/]+)\/notify\/(?<id>[^/]+)$/, 'remove notification endpoint #$id of $o'],
  ['POST', /^\/owners\/(?<o>[^/]+)\/notify\/(?<id>[^/]+)\/test$/, 'test notification endpoint #$id of $o'],
  ['POST', /^\/owners$/, 'create owner'],
  ['PATCH', /^\/owners\/(?<o>[^/]+)$/, 'change owner $o'],
  ['DELETE', /^\/owners\/(?<o>[^/]+)$/, 'delete owner $o'],
  ['PUT', /^\/owners\/(?<o>[^/]+)\/members\/(?<u>[^/]+)$/, 'add $u to owner $o'],
  ['DELETE', /^\/owners\/(?<o>[^/]+)\/members\/(?<u>[^/]+)$/, 'remove $u from owner $o'],
  ['POST', /^\/session$/, 'log in to the dashboard'],
  ['DELETE', /^\/session$/, 'log out of the dashboard'],
  ['POST', /^\/tokens$/, 'create token'],
  ['DELETE', /^\/tokens\/(?<id>[^/]+)$/, 'revoke token #$id'],
  ['POST', /^\/users$/, 'create user'],
  ['DELETE', /^\/users\/(?<u>[^/]+)$/, 'delete user $u'],
  ['PUT', /^\/users\/(?<u>[^/]+)\/password$/, 'set password of $u'],
];

const decode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** An audit action in words (`change config`, `revoke token #3`); one Berth does not know stays as recorded. */
export function describeAction(action: string): string {
  const space = action.indexOf(' ');
  const method = action.slice(0, space);
  const target = action.slice(space + 1);
  if (method === 'PUSH') return 'git push';
  const path = target.replace(/^\/api\/v1(?=\/)/, '');
  for (const [m, re, words] of ACTIONS) {
    if (m !== method) continue;
    const hit = re.exec(path);
    if (hit) return words.replace(/\$(\w+)/g, (_, k: string) => decode(hit.groups?.[k] ?? ''));
  }
  return `${method} ${decode(path)}`;
}
