import { useCallback, useState } from 'preact/hooks';
import { clearSession, loadSession, logout, type Session } from './api.js';
import { Dashboard } from './dashboard.js';
import { LoginForm } from './login-form.js';

/** Signed out → login form; signed in → dashboard. The session lives in sessionStorage. */
export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());

  const onLogout = useCallback(() => {
    if (session !== null) void logout(session.token);
    setSession(null);
  }, [session]);
  // A token the hub no longer accepts (expired, hub restarted): back to the form.
  const onExpired = useCallback(() => {
    clearSession();
    setSession(null);
  }, []);

  if (session === null) return <LoginForm onLoggedIn={setSession} />;
  return <Dashboard session={session} onLogout={onLogout} onExpired={onExpired} />;
}
