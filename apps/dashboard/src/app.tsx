import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiClient } from './api/client';
import { clearSession, loadSession, type Session, saveSession } from './api/session';
import { ClassPicker } from './components/class-picker';
import { ClassView } from './components/class-view';
import { LoginView } from './components/login-view';
import type { DashboardConfig } from './config';
import { parseRoute, type Route, routeHref } from './routing';

const currentRoute = () => parseRoute(window.location.pathname, window.location.search);

export function App({ config }: { config: DashboardConfig }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [route, setRoute] = useState<Route>(currentRoute);
  const [notice, setNotice] = useState<string | null>(null);
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const logout = useCallback((message: string | null) => {
    clearSession();
    setSession(null);
    setNotice(message);
  }, []);

  const api = useMemo(
    () =>
      new ApiClient({
        token: () => sessionRef.current?.token ?? null,
        onUnauthorized: () => logout('Your session has expired: log in again.'),
      }),
    [logout],
  );

  useEffect(() => {
    const onPop = () => setRoute(currentRoute());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((next: Route, replace = false) => {
    const href = routeHref(next);
    if (replace) window.history.replaceState(null, '', href);
    else window.history.pushState(null, '', href);
    setRoute(next);
  }, []);

  useEffect(() => {
    document.title =
      route.page === 'class'
        ? 'Class · Cellstream'
        : session
          ? 'Classes · Cellstream'
          : 'Log in · Cellstream';
  }, [route, session]);

  if (!session) {
    return (
      <LoginView
        api={api}
        notice={notice}
        onLogin={(next) => {
          saveSession(next);
          setNotice(null);
          setSession(next);
        }}
      />
    );
  }

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <nav class="top-bar" aria-label="Cellstream">
        <a
          class="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate({ page: 'classes' });
          }}
        >
          Cellstream
        </a>
        <span class="muted">
          {session.username} ({session.role})
        </span>
        <button type="button" onClick={() => logout(null)}>
          Log out
        </button>
      </nav>
      {route.page === 'classes' && (
        <ClassPicker api={api} onOpen={(classId) => navigate({ page: 'class', classId, student: null })} />
      )}
      {route.page === 'class' && (
        <ClassView
          key={route.classId}
          api={api}
          token={session.token}
          realtimeUrl={config.realtimeUrl}
          classId={route.classId}
          student={route.student}
          onOpenStudent={(student) => navigate({ ...route, student }, true)}
          onBack={() => navigate({ page: 'classes' })}
          onSessionExpired={() => logout('Your session has expired: log in again.')}
        />
      )}
      {route.page === 'not_found' && (
        <main id="main" class="picker">
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>.{' '}
            <a
              href="/"
              onClick={(event) => {
                event.preventDefault();
                navigate({ page: 'classes' });
              }}
            >
              Go to your classes
            </a>
          </p>
        </main>
      )}
    </>
  );
}
