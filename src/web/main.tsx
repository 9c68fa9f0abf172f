// The dashboard's entry: checks the session, then shows the login or the page the URL names.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setSession, type SessionInfo } from './api.js';
import { startLive, stopLive } from './live.js';
import { AppPage } from './pages/app-page.js';
import { AppsPage } from './pages/apps-page.js';
import { AuditPage } from './pages/audit-page.js';
import { LoginPage } from './pages/login-page.js';
import { MissingPage } from './pages/missing-page.js';
import { NewAppPage } from './pages/new-app-page.js';
import { OwnersPage } from './pages/owners-page.js';
import { TokensPage } from './pages/tokens-page.js';
import { UsersPage } from './pages/users-page.js';
import { useRoute } from './router.js';
import { ThemeToggle } from './components/theme-toggle.js';

function Shell() {
  const [session, setS] = useState<SessionInfo | null | undefined>(undefined);
  const route = useRoute();
  const loggedIn = (s: SessionInfo | null) => {
    setSession(s, () => setS(null));
    setS(s);
    if (s) startLive();
    else stopLive();
  };
  useEffect(() => {
    api<SessionInfo>('GET', '/session').then(loggedIn, () => loggedIn(null));
  }, []);

  if (session === undefined) return <p class="boot">Loading Berth…</p>;
  if (session === null) return <LoginPage onLogin={loggedIn} />;
  const logout = async () => {
    await api('DELETE', '/session').catch(() => undefined);
    loggedIn(null);
  };
  const admin = session.role === 'admin';
  const canWrite = session.role !== 'viewer';
  const links: [string, string, string][] = [
    ['apps', '#/', 'Apps'],
    ['new', '#/new', 'New app'],
    ['tokens', '#/tokens', 'Tokens'],
    ['owners', '#/owners', 'Owners'],
    ...(admin ? ([['users', '#/users', 'Users'], ['audit', '#/audit', 'Audit']] as [string, string, string][]) : []),
  ];
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Berth
        </a>
        <div class="who">
          <span class="user">
            {session.user} <span class="muted wide-only">({session.role})</span>
          </span>
          <ThemeToggle />
          <button type="button" class="ghost compact" onClick={logout}>
            Log out
          </button>
        </div>
        <nav aria-label="Main">
          {links.map(([page, href, label]) => (
            <a key={page} href={href} aria-current={route.page === page ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main id="main">
        {route.page === 'apps' && <AppsPage />}
        {route.page === 'new' && <NewAppPage canWrite={canWrite} />}
        {route.page === 'app' && <AppPage key={route.ref} ref_={route.ref} tab={route.tab} canWrite={canWrite} />}
        {route.page === 'tokens' && <TokensPage session={session} />}
        {route.page === 'owners' && <OwnersPage admin={admin} />}
        {route.page === 'users' && <UsersPage self={session.user} />}
        {route.page === 'audit' && <AuditPage admin={admin} />}
        {route.page === 'missing' && <MissingPage what={`page “${route.path}”`} links={links.map(([, href, label]) => [href, label])} />}
      </main>
    </>
  );
}

render(<Shell />, document.getElementById('root')!);
