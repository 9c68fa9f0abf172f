// Hash routes: #/ (apps), #/new, #/apps/<owner>/<name>/<tab>. Hash routing keeps the server
// to one page and makes every view a link that survives a reload.
import { useEffect, useState } from 'preact/hooks';

export type Route = { page: 'apps' } | { page: 'new' } | { page: 'app'; ref: string; tab: string };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'new') return { page: 'new' };
  if (parts[0] === 'apps' && parts[1] && parts[2]) return { page: 'app', ref: `${parts[1]}/${parts[2]}`, tab: parts[3] ?? 'overview' };
  return { page: 'apps' };
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
