import { useState } from 'preact/hooks';
import { DashboardError } from '../../shared/errors.js';
import { login, type Session } from './api.js';

type FormState = { state: 'editing'; error: string | null } | { state: 'submitting' };

function messageFor(err: unknown): string {
  if (err instanceof DashboardError) {
    if (err.code === 'TM_ERR_LOGIN_FAILED' || err.status === 401) return 'Wrong username or password.';
    if (err.code === 'TM_ERR_DASHBOARD_NETWORK') return 'The hospital hub cannot be reached. Try again.';
    return `Sign-in failed (${err.code}).`;
  }
  return 'Sign-in failed.';
}

export function LoginForm(props: { onLoggedIn: (s: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [form, setForm] = useState<FormState>({ state: 'editing', error: null });
  const busy = form.state === 'submitting';

  const submit = async (): Promise<void> => {
    setForm({ state: 'submitting' });
    try {
      const s = await login(username, password);
      props.onLoggedIn(s);
    } catch (err) {
      setPassword('');
      setForm({ state: 'editing', error: messageFor(err) });
    }
  };

  return (
    <main class="login-wrap">
      <form
        class="panel login"
        data-testid="login-form"
        aria-labelledby="login-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void submit();
        }}
      >
        <h1 id="login-title">Telemed hospital console</h1>
        <p class="muted">Sign in to see connected clinics and ambulances.</p>
        <label>
          Username
          <input
            name="username"
            autocomplete="username"
            required
            value={username}
            data-testid="login-username"
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            data-testid="login-password"
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {form.state === 'editing' && form.error !== null ? (
          <p class="form-error" role="alert" data-testid="login-error">
            {form.error}
          </p>
        ) : null}
        <button type="submit" disabled={busy} data-testid="login-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
