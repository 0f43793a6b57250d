import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client';
import { ApiError } from '../api/errors';
import type { Session } from '../api/session';

interface Props {
  api: ApiClient;
  notice: string | null;
  onLogin: (session: Session) => void;
}

export function LoginView({ api, notice, onLogin }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.login(username.trim(), password);
      if (answer.role === 'student') {
        setError('This dashboard is for instructors and admins. Students work in JupyterLab.');
        return;
      }
      onLogin({
        token: answer.token,
        role: answer.role,
        username: username.trim(),
        expiresAt: Date.parse(answer.expiresAt),
      });
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.code === 'AUTH_INVALID_CREDENTIALS'
          ? 'Unknown username or wrong password.'
          : caught instanceof Error
            ? caught.message
            : String(caught),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <form class="panel login-form" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Cellstream</h1>
        <p class="muted">Log in to watch your classes live.</p>
        {notice && (
          <p class="notice-text" role="status">
            {notice}
          </p>
        )}
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            required
            value={username}
            onInput={(event) => setUsername(event.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        {error && (
          <p class="error-text" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
