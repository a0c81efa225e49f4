import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.js';
import { Badge, EmptyState, LoadError, Loading } from '../components/EmptyState.js';
import { FormError, SelectField, TextField } from '../components/fields.js';
import { PageHeader } from '../components/Layout.js';
import { Link, navigate, useLocation } from '../router.js';
import { relativeTime } from '../time.js';
import { useResource } from '../use-resource.js';

interface DeliveryItem {
  id: string;
  contactPointId: string;
  kind: string;
  state: string;
  status: string;
  alertCount: number;
  summary: string;
  attempts: number;
  createdAt: string;
  lastStatus: number | null;
  lastError: string | null;
}

interface Attempt {
  attempt: number;
  startedAt: string;
  durationMs: number;
  outcome: string;
  request: { method?: string; url?: string; headers?: Record<string, string>; body?: string };
  response: { status: number; headers: Record<string, string> | null; body: string | null } | null;
  error: string | null;
}

type DeliveryDetail = DeliveryItem & { attemptLog: Attempt[] };

function Recover({ contactPoints }: { contactPoints: { id: string; name: string }[] }) {
  const [cp, setCp] = useState(contactPoints[0]?.id ?? '');
  const [since, setSince] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [result, setResult] = useState<string>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ms = Date.parse(since);
    if (!cp) return setErrors({ cp: 'pick a contact point' });
    if (Number.isNaN(ms)) return setErrors({ since: 'enter the time from which failed deliveries are sent again' });
    setErrors({});
    try {
      const answer = await api<{ requeued: number }>(`/api/v1/contact-points/${encodeURIComponent(cp)}/recover`, { method: 'POST', body: { since: new Date(ms).toISOString() } });
      setResult(`${answer.requeued} failed deliveries queued again.`);
    } catch (err) {
      setErrors({ '': messageOf(err) });
    }
  };
  if (contactPoints.length === 0) return null;
  return (
    <form className="card recover" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="recover-title">
      <h2 id="recover-title">Recover failed deliveries</h2>
      <div className="row">
        <SelectField label="Contact point" value={cp} onChange={setCp} error={errors.cp} options={contactPoints.map((c) => ({ value: c.id, label: c.name }))} />
        <TextField label="Failed since" type="text" value={since} onChange={setSince} placeholder="2024-01-15T10:00" error={errors.since} hint="Local time, or RFC 3339." />
      </div>
      <FormError message={errors['']} />
      <button type="submit" className="secondary">Send them again</button>
      <p aria-live="polite">{result}</p>
    </form>
  );
}

/** The delivery log: every outbound message, its state and attempts; filters in the URL. */
export function DeliveriesPage() {
  const { query } = useLocation();
  const cps = useResource<{ id: string; name: string }[]>('/api/v1/contact-points');
  const params = new URLSearchParams();
  for (const key of ['contactPoint', 'state']) if (query.get(key)) params.set(key, query.get(key) ?? '');
  const list = useResource<DeliveryItem[]>(`/api/v1/deliveries?${params}`);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(key, value);
    else next.delete(key);
    navigate(`/deliveries${next.size ? `?${next}` : ''}`, { replace: true });
  };
  const rows = list.data ?? [];
  return (
    <>
      <PageHeader title="Deliveries">
        <button type="button" className="secondary" onClick={list.reload}>Refresh</button>
      </PageHeader>
      <div className="filters" role="search" aria-label="Filter deliveries">
        <SelectField label="Contact point" value={query.get('contactPoint') ?? ''} onChange={(v) => set('contactPoint', v)} options={[{ value: '', label: 'Any' }, ...(cps.data ?? []).map((c) => ({ value: c.id, label: c.name }))]} />
        <SelectField label="State" value={query.get('state') ?? ''} onChange={(v) => set('state', v)} options={['', 'pending', 'paused', 'delivered', 'failed', 'dropped'].map((s) => ({ value: s, label: s || 'Any' }))} />
      </div>
      {list.error ? <LoadError message={list.error} retry={list.reload} /> : null}
      {!list.data && !list.error ? <Loading what="deliveries" /> : null}
      {list.data && rows.length === 0 ? (
        <EmptyState title="No deliveries">
          Nothing was sent{params.size ? ' that matches these filters' : ' yet'}. <Link to="/contact-points">Add a contact point</Link> and use Send Test Message, or wait for an alert.
        </EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <table className="list">
          <caption className="sr-only">Deliveries</caption>
          <thead>
            <tr><th scope="col">Summary</th><th scope="col">Contact point</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last answer</th><th scope="col">Created</th></tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td data-label="Summary"><Link to={`/deliveries/${encodeURIComponent(d.id)}`}>{d.summary || d.id}</Link>{d.kind === 'test' ? <span className="muted"> (test)</span> : null}</td>
                <td data-label="Contact point">{d.contactPointId}</td>
                <td data-label="State"><Badge value={d.state} /></td>
                <td data-label="Attempts">{d.attempts}</td>
                <td data-label="Last answer">{d.lastStatus ?? d.lastError ?? '—'}</td>
                <td data-label="Created" title={d.createdAt}>{relativeTime(d.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Recover contactPoints={cps.data ?? []} />
    </>
  );
}

function AttemptView({ a }: { a: Attempt }) {
  return (
    <li className="card">
      <h3>Attempt {a.attempt}: <Badge value={a.outcome} /> <span className="muted">{relativeTime(a.startedAt)} · {a.durationMs} ms</span></h3>
      <details>
        <summary>Request: {a.request.method} {a.request.url}</summary>
        <pre className="snippet">{Object.entries(a.request.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n')}</pre>
        <pre className="snippet">{a.request.body ?? ''}</pre>
      </details>
      {a.response ? (
        <details>
          <summary>Response: HTTP {a.response.status}</summary>
          <pre className="snippet">{a.response.body ?? ''}</pre>
        </details>
      ) : null}
      {a.error ? <p className="field-error">{a.error}</p> : null}
    </li>
  );
}

/** One delivery with every attempt (request and response), and redelivery. */
export function DeliveryPage({ id }: { id: string }) {
  const d = useResource<DeliveryDetail>(`/api/v1/deliveries/${encodeURIComponent(id)}`);
  const [message, setMessage] = useState<string>();
  const redeliver = async () => {
    try {
      await api(`/api/v1/deliveries/${encodeURIComponent(id)}/redeliver`, { method: 'POST' });
      setMessage('Queued for redelivery.');
      setTimeout(d.reload, 800);
    } catch (err) {
      setMessage(messageOf(err));
    }
  };
  if (d.error) return <LoadError message={d.error} retry={d.reload} />;
  if (!d.data) return <Loading what="the delivery" />;
  return (
    <>
      <PageHeader title={d.data.summary || d.data.id}>
        <Badge value={d.data.state} />
        <button type="button" onClick={() => void redeliver()}>Redeliver</button>
      </PageHeader>
      <p aria-live="polite">{message}</p>
      <p className="muted">webhook-id <code>{d.data.id}</code> · <Link to={`/contact-points/${encodeURIComponent(d.data.contactPointId)}`}>{d.data.contactPointId}</Link></p>
      <ol className="plain">
        {d.data.attemptLog.map((a) => <AttemptView key={a.attempt} a={a} />)}
      </ol>
      {d.data.attemptLog.length === 0 ? <p className="muted">No attempt yet.</p> : null}
    </>
  );
}
