// The dashboard's entry: checks the session, then shows the login or the page the URL names.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setSession, type SessionInfo } from './api.js';
import { startLive, stopLive } from './live.js';
import { AppPage } from './pages/app-page.js';
import { AppsPage } from './pages/apps-page.js';
import { LoginPage } from './pages/login-page.js';
import { NewAppPage } from './pages/new-app-page.js';
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
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Berth
        </a>
        <nav aria-label="Main">
          <a href="#/" aria-current={route.page === 'apps' ? 'page' : undefined}>
            Apps
          </a>
          <a href="#/new" aria-current={route.page === 'new' ? 'page' : undefined}>
            New app
          </a>
        </nav>
        <div class="who">
          <span>
            {session.user} <span class="muted">({session.role})</span>
          </span>
          <ThemeToggle />
          <button type="button" class="ghost" onClick={logout}>
            Log out
          </button>
        </div>
      </header>
      <main id="main">
        {route.page === 'apps' && <AppsPage />}
        {route.page === 'new' && <NewAppPage canWrite={session.role !== 'viewer'} />}
        {route.page === 'app' && <AppPage key={route.ref} ref_={route.ref} tab={route.tab} canWrite={session.role !== 'viewer'} />}
      </main>
    </>
  );
}

render(<Shell />, document.getElementById('root')!);
