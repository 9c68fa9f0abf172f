// Log in with a user name and password, or with an API token (the admin's first login).
import { useState } from 'preact/hooks';
import { field } from '../format.js';
import { api, type SessionInfo } from '../api.js';
import { Notice } from '../components/notice.js';
import { useAction } from '../use-action.js';

export function LoginPage({ onLogin }: { onLogin: (s: SessionInfo) => void }) {
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const { error, busy, run } = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body = mode === 'token' ? { token: field(f, 'token') } : { user: field(f, 'user'), password: field(f, 'password') };
    await run(async () => onLogin(await api<SessionInfo>('POST', '/session', body)));
  };
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
        {mode === 'password' ? 'No password yet? ' : 'Have a password? '}
        <button type="button" class="link" onClick={() => setMode(mode === 'password' ? 'token' : 'password')}>
          {mode === 'password' ? 'Log in with an API token' : 'Log in with your password'}
        </button>
      </p>
    </main>
  );
}
