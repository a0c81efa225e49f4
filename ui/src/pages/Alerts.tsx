import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Badge, EmptyState, LoadError, Loading } from '../components/EmptyState.js';
import { SelectField, TextField } from '../components/fields.js';
import { PageHeader } from '../components/Layout.js';
import { Link, navigate, useLocation } from '../router.js';
import { relativeTime } from '../time.js';
import { useResource } from '../use-resource.js';

export interface AlertItem {
  fingerprint: string;
  alertname: string;
  namespace: string | null;
  severity: string | null;
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string | null;
  source: string;
  receiverId: string | null;
  lastSeen: string;
  receivedCount: number;
}

const FILTER_KEYS = ['status', 'receiver', 'labels', 'sort', 'order'] as const;

/** Re-fetches the list shortly after the server says an alert changed (several changes, one fetch). */
function useLiveUpdates(onChange: () => void): 'live' | 'reconnecting' {
  const [state, setState] = useState<'live' | 'reconnecting'>('live');
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    const source = new EventSource('/api/v1/alerts/stream');
    let timer: ReturnType<typeof setTimeout> | undefined;
    source.addEventListener('alert', () => {
      clearTimeout(timer);
      timer = setTimeout(() => callback.current(), 300);
    });
    source.onopen = () => setState('live');
    source.onerror = () => setState('reconnecting');
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, []);
  return state;
}

function Filters({ query, labelsError }: { query: URLSearchParams; labelsError: string | undefined }) {
  const receivers = useResource<{ receivers: { id: string; name: string }[] }>('/api/v1/receivers');
  const [labels, setLabels] = useState(query.get('labels') ?? '');
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate(`/alerts${next.size ? `?${next}` : ''}`, { replace: true });
  };
  const submitLabels = (e: FormEvent) => {
    e.preventDefault();
    set('labels', labels.trim());
  };
  const receiverOptions = [
    { value: '', label: 'Any' },
    { value: 'webhook', label: 'POST /webhook' },
    ...(receivers.data?.receivers ?? []).map((r) => ({ value: r.id, label: r.name })),
  ];
  return (
    <div className="filters" role="search" aria-label="Filter alerts">
      <SelectField label="Status" value={query.get('status') ?? ''} onChange={(v) => set('status', v)} options={[{ value: '', label: 'Any' }, { value: 'firing', label: 'Firing' }, { value: 'resolved', label: 'Resolved' }]} />
      <SelectField label="Received by" value={query.get('receiver') ?? ''} onChange={(v) => set('receiver', v)} options={receiverOptions} />
      <form onSubmit={submitLabels} className="labels-filter">
        <TextField label="Labels" type="search" value={labels} onChange={setLabels} placeholder='severity=critical namespace=~prod.*' error={labelsError} hint="Alertmanager matchers, separated by spaces; press Enter to apply." />
      </form>
      <SelectField label="Sort by" value={query.get('sort') ?? 'lastSeen'} onChange={(v) => set('sort', v)} options={[{ value: 'lastSeen', label: 'Last received' }, { value: 'startsAt', label: 'Started' }, { value: 'alertname', label: 'Name' }, { value: 'status', label: 'Status' }]} />
      <SelectField label="Order" value={query.get('order') ?? 'desc'} onChange={(v) => set('order', v)} options={[{ value: 'desc', label: 'Descending' }, { value: 'asc', label: 'Ascending' }]} />
    </div>
  );
}

function AlertTable({ alerts }: { alerts: AlertItem[] }) {
  return (
    <table className="list">
      <caption className="sr-only">Alerts</caption>
      <thead>
        <tr>
          <th scope="col">Alert</th>
          <th scope="col">Status</th>
          <th scope="col">Severity</th>
          <th scope="col">Namespace</th>
          <th scope="col">Received by</th>
          <th scope="col">Started</th>
          <th scope="col">Last received</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((a) => (
          <tr key={a.fingerprint}>
            <td data-label="Alert">
              <Link to={`/alerts/${encodeURIComponent(a.fingerprint)}`}>{a.alertname}</Link>
              <div className="muted small">{a.annotations.summary ?? a.fingerprint}</div>
            </td>
            <td data-label="Status"><Badge value={a.status} /></td>
            <td data-label="Severity">{a.severity ?? '—'}</td>
            <td data-label="Namespace">{a.namespace ?? '—'}</td>
            <td data-label="Received by">{a.receiverId ? <Link to={`/receivers/${encodeURIComponent(a.receiverId)}`}>{a.receiverId}</Link> : a.source}</td>
            <td data-label="Started" title={a.startsAt}>{relativeTime(a.startsAt)}</td>
            <td data-label="Last received" title={a.lastSeen}>{relativeTime(a.lastSeen)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Firing and resolved alerts, kept current by server-sent events. */
export function AlertsPage() {
  const { query } = useLocation();
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = query.get(key);
    if (value) params.set(key, value);
  }
  const list = useResource<{ alerts: AlertItem[]; truncated: boolean }>(`/api/v1/alerts?${params}`);
  const live = useLiveUpdates(list.reload);
  const filtered = params.size > 0;
  // A bad matcher is the filter's fault: say so under the Labels box, not as a page error.
  const labelsError = list.error?.startsWith('labels: ') ? list.error.slice('labels: '.length) : undefined;
  return (
    <>
      <PageHeader title="Alerts">
        <span className={`live ${live}`} role="status">{live === 'live' ? 'Live' : 'Reconnecting…'}</span>
      </PageHeader>
      <Filters query={query} labelsError={labelsError} />
      {list.error && !labelsError ? <LoadError message={list.error} retry={list.reload} /> : null}
      {!list.data && !list.error ? <Loading what="alerts" /> : null}
      {list.data && list.data.alerts.length === 0 ? (
        filtered ? (
          <EmptyState title="No alert matches these filters">Clear a filter, or widen the label matchers.</EmptyState>
        ) : (
          <EmptyState title="No alerts yet">
            Point Alertmanager or Grafana at <code>POST /webhook</code> (the snippet is under <Link to="/settings">Settings</Link>), or add a{' '}
            <Link to="/receivers/new">receiver</Link> and call its URL. Alerts appear here as they arrive.
          </EmptyState>
        )
      ) : null}
      {list.data && list.data.alerts.length > 0 ? <AlertTable alerts={list.data.alerts} /> : null}
      {list.data?.truncated ? <p className="muted">Showing the first matches only; narrow the filters to see the rest.</p> : null}
    </>
  );
}
