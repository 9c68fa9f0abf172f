// Log in with an API token (a fresh admin has only one) or with a user name and password. The
// way last used on this browser is the one offered first; switching clears the last error.
import { useState } from 'preact/hooks';
import { field } from '../format.js';
import { api, type SessionInfo } from '../api.js';
import { Notice } from '../components/notice.js';
import { useAction } from '../use-action.js';

type Mode = 'password' | 'token';
const KEY = 'berth-login';

export function LoginPage({ onLogin }: { onLogin: (s: SessionInfo) => void }) {
  const [mode, setMode] = useState<Mode>(() => (localStorage.getItem(KEY) === 'password' ? 'password' : 'token'));
  const { error, busy, run, clear } = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body = mode === 'token' ? { token: field(f, 'token') } : { user: field(f, 'user'), password: field(f, 'password') };
    await run(async () => {
      const s = await api<SessionInfo>('POST', '/session', body);
      localStorage.setItem(KEY, mode);
      onLogin(s);
    });
  };
  const other: Mode = mode === 'password' ? 'token' : 'password';
  return (
    <main class="login" id="main">
      <h1>Log in to Berth</h1>
      <form onSubmit={submit} aria-describedby="login-help">
        {mode === 'password' ? (
          <>
            <label>
              User name
              <input name="user" autocomplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
          </>
        ) : (
          <label>
            API token
            <input name="token" type="password" autocomplete="off" required />
          </label>
        )}
        <Notice error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      <p id="login-help" class="muted">
        {mode === 'password' ? 'No password yet? ' : 'A new Berth has one user, admin, with the token its first start printed (or BERTH_ADMIN_TOKEN). Have a password? '}
        <button
          type="button"
          class="link"
          onClick={() => {
            clear();
            setMode(other);
          }}
        >
          {other === 'token' ? 'Log in with an API token' : 'Log in with your password'}
        </button>
      </p>
    </main>
  );
}
