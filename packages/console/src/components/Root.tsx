import { useEffect, useRef } from 'preact/hooks';
import type { App } from '../state/appState.js';
import { useStore } from '../state/Store.js';
import { AnomaliesPage } from '../pages/AnomaliesPage.js';
import { DevicePage } from '../pages/DevicePage.js';
import { EndpointsPage } from '../pages/EndpointsPage.js';
import { FleetPage } from '../pages/FleetPage.js';
import { LoginPage } from '../pages/LoginPage.js';
import { StatusPage } from '../pages/StatusPage.js';
import { UsersPage } from '../pages/UsersPage.js';
import { TrustPage } from '../pages/TrustPage.js';
import { ProvenancePage } from '../pages/ProvenancePage.js';
import { href, useRoute, type Route } from './router.js';

const NAV: readonly { route: Route; label: string; admin?: boolean }[] = [
  { route: { page: 'fleet' }, label: 'Fleet' },
  { route: { page: 'anomalies' }, label: 'Anomalies' },
  { route: { page: 'trust' }, label: 'Trust' },
  { route: { page: 'provenance' }, label: 'Provenance' },
  { route: { page: 'endpoints' }, label: 'Endpoints', admin: true },
  { route: { page: 'users' }, label: 'Users', admin: true },
  { route: { page: 'status' }, label: 'Status' },
];

/** The shell: login when there is no session, else the navigation and the current page. */
export function Root({ app }: { app: App }) {
  const session = useStore(app.store, (s) => s.session);
  const connected = useStore(app.store, (s) => s.connected);
  const reason = useStore(app.store, (s) => s.loggedOutReason);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  useEffect(() => main.current?.focus(), [route.page]);

  if (!session) return <LoginPage app={app} reason={reason} />;
  const isAdmin = session.role === 'admin';
  const adminOnly = (route.page === 'endpoints' || route.page === 'users') && !isAdmin;

  return (
    <div class="shell">
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">chainm2m</span>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((n) => !n.admin || isAdmin).map((n) => (
              <li key={n.label}>
                <a href={href(n.route)} aria-current={n.route.page === route.page ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class={`live ${connected ? 'on' : 'off'}`} role="status">
          {connected ? 'live' : 'reconnecting…'}
        </span>
        <span class="who">
          {session.username} ({session.role}, clearance {session.clearance})
        </span>
        <button type="button" onClick={() => app.logout()}>
          Log out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {adminOnly ? (
          <section>
            <h1>Not allowed</h1>
            <p role="alert">This page is for administrators; your role is {session.role}.</p>
          </section>
        ) : route.page === 'fleet' ? (
          <FleetPage app={app} />
        ) : route.page === 'device' ? (
          <DevicePage app={app} endpoint={route.endpoint} />
        ) : route.page === 'endpoints' ? (
          <EndpointsPage app={app} />
        ) : route.page === 'users' ? (
          <UsersPage app={app} />
        ) : route.page === 'anomalies' ? (
          <AnomaliesPage app={app} />
        ) : route.page === 'trust' ? (
          <TrustPage app={app} />
        ) : route.page === 'provenance' ? (
          <ProvenancePage app={app} />
        ) : (
          <StatusPage app={app} />
        )}
      </main>
    </div>
  );
}
