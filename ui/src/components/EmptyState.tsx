import type { ReactNode } from 'react';

/** What an empty page shows: what is missing and what to do about it. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty" role="status">
      <h2>{title}</h2>
      <div>{children}</div>
    </div>
  );
}

export function Badge({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  return <span className={`badge badge-${value.replace(/[^a-z-]/gi, '')}`}>{value}</span>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

export function LoadError({ message, retry }: { message: string; retry: () => void }) {
  return (
    <div className="form-error" role="alert">
      <p>{message}</p>
      <button type="button" className="secondary small" onClick={retry}>
        Try again
      </button>
    </div>
  );
}
