import type { ReactNode } from 'react';
import { Link, useLocation } from '../router.js';

const NAV = [
  { to: '/alerts', label: 'Alerts' },
  { to: '/receivers', label: 'Receivers' },
  { to: '/contact-points', label: 'Contact points' },
  { to: '/deliveries', label: 'Deliveries' },
  { to: '/settings', label: 'Settings' },
];

/** The frame of every signed-in page: skip link, navigation, sign-out, the page itself. */
export function Layout({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const { path } = useLocation();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/alerts" className="brand">
          alertwire
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={path === item.to || path.startsWith(`${item.to}/`) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="secondary small" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** A page's heading row: the title and its main actions. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {children ? <div className="actions">{children}</div> : null}
    </div>
  );
}
