import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, SIGNED_OUT_EVENT } from './api.js';
import { Layout } from './components/Layout.js';
import { AlertsPage } from './pages/Alerts.js';
import { ContactPointEditPage, ContactPointsPage } from './pages/ContactPoints.js';
import { DeliveriesPage, DeliveryPage } from './pages/Deliveries.js';
import { ReceiverNewPage, ReceiverPage, ReceiversPage } from './pages/Receivers.js';
import { ReportPage } from './pages/Report.js';
import { SettingsPage } from './pages/Settings.js';
import { SignInPage } from './pages/SignIn.js';
import { matchPath, navigate, useLocation } from './router.js';

type Session = 'unknown' | 'signed-in' | 'signed-out';

/** Route table: first match wins. */
const ROUTES: { pattern: string; render: (p: Record<string, string>) => ReactNode; title: string }[] = [
  { pattern: '/alerts', render: () => <AlertsPage />, title: 'Alerts' },
  { pattern: '/alerts/:fingerprint', render: (p) => <ReportPage fingerprint={p.fingerprint ?? ''} />, title: 'Report' },
  { pattern: '/receivers', render: () => <ReceiversPage />, title: 'Receivers' },
  { pattern: '/receivers/new', render: () => <ReceiverNewPage />, title: 'Add receiver' },
  { pattern: '/receivers/:id', render: (p) => <ReceiverPage id={p.id ?? ''} />, title: 'Receiver' },
  { pattern: '/contact-points', render: () => <ContactPointsPage />, title: 'Contact points' },
  { pattern: '/contact-points/new', render: () => <ContactPointEditPage id={null} />, title: 'New contact point' },
  { pattern: '/contact-points/:id', render: (p) => <ContactPointEditPage id={p.id ?? ''} />, title: 'Contact point' },
  { pattern: '/deliveries', render: () => <DeliveriesPage />, title: 'Deliveries' },
  { pattern: '/deliveries/:id', render: (p) => <DeliveryPage id={p.id ?? ''} />, title: 'Delivery' },
  { pattern: '/settings', render: () => <SettingsPage />, title: 'Settings' },
];

function useSession(): [Session, (s: Session) => void] {
  const [session, setSession] = useState<Session>('unknown');
  useEffect(() => {
    api<{ authenticated: boolean }>('/api/v1/session')
      .then((s) => setSession(s.authenticated ? 'signed-in' : 'signed-out'))
      .catch(() => setSession('signed-out'));
    const onSignedOut = () => setSession('signed-out');
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut);
  }, []);
  return [session, setSession];
}

function Routes() {
  const { path } = useLocation();
  const found = ROUTES.map((route) => ({ route, params: matchPath(route.pattern, path) })).find((m) => m.params !== null);
  const title = found?.route.title;
  useEffect(() => {
    if (path === '/' || path === '/sign-in') navigate('/alerts', { replace: true });
  }, [path]);
  useEffect(() => {
    document.title = title ? `${title} · alertwire` : 'alertwire';
  }, [title]);
  if (!found?.params) return <p>Nothing here. Pick a page from the navigation above.</p>;
  return <>{found.route.render(found.params)}</>;
}

export function App() {
  const [session, setSession] = useSession();
  const signOut = useCallback(() => {
    void api('/api/v1/session', { method: 'DELETE' }).finally(() => setSession('signed-out'));
  }, [setSession]);
  if (session === 'unknown') return <p className="muted boot">Loading alertwire…</p>;
  if (session === 'signed-out') return <SignInPage onSignedIn={() => setSession('signed-in')} />;
  return (
    <Layout onSignOut={signOut}>
      <Routes />
    </Layout>
  );
}
