// Hash routes: #/ (apps), #/new, #/users, #/tokens, #/owners, #/audit,
// #/apps/<owner>/<name>/<tab>. Hash routing keeps the server to one page and makes every view a
// link that survives a reload. An address that names no page is `missing`, shown as such.
import { useEffect, useState } from 'preact/hooks';

export const PAGES = ['users', 'tokens', 'owners', 'audit'] as const;
export type AdminPage = (typeof PAGES)[number];

export type Route = { page: 'apps' } | { page: 'new' } | { page: AdminPage } | { page: 'app'; ref: string; tab: string } | { page: 'missing'; path: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: 'apps' };
  if (parts[0] === 'new' && parts.length === 1) return { page: 'new' };
  if ((PAGES as readonly string[]).includes(parts[0]!) && parts.length === 1) return { page: parts[0] as AdminPage };
  if (parts[0] === 'apps' && parts[1] && parts[2] && parts.length <= 4) return { page: 'app', ref: `${parts[1]}/${parts[2]}`, tab: parts[3] ?? 'overview' };
  return { page: 'missing', path: parts.join('/') };
}

export const appHref = (ref: string, tab = 'overview'): string => `#/apps/${ref.split('/').map(encodeURIComponent).join('/')}/${tab}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
