import { Badge, EmptyState, LoadError, Loading } from '../components/EmptyState.js';
import { PageHeader } from '../components/Layout.js';
import { Link } from '../router.js';
import { durationText, relativeTime } from '../time.js';
import { useResource } from '../use-resource.js';
import type { ExecutionItem } from './Receivers.js';

interface Occurrence {
  startsAt: string;
  endsAt: string | null;
  status: string;
  receivedCount: number;
}

/** The parts of GET /api/v1/reports/:fingerprint the console shows; everything optional it may lack. */
interface ReportJson {
  fingerprint: string;
  alert_name: string;
  namespace: string;
  state: string;
  error: string | null;
  report_url: string;
  alert: { status: string; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; firstSeen: string; lastSeen: string; receivedCount: number };
  facts?: { firingForMs?: number; occurrences?: number; meanTimeBetweenFiringsMs?: number | null; flapping?: boolean; related?: { fingerprint: string; alertname: string; shared: string[] }[] };
  occurrences?: Occurrence[];
  links?: Record<string, string | null>;
}

interface AlertDelivery {
  id: string;
  contactPointId: string;
  state: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

function KeyValues({ values, title }: { values: Record<string, string>; title: string }) {
  const entries = Object.entries(values);
  return (
    <section className="card">
      <h2>{title}</h2>
      {entries.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <dl className="kv">
          {entries.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

/** Firing episodes as bars on a time axis; the timeline list beside it carries the same facts as text. */
function EpisodeChart({ occurrences, now }: { occurrences: Occurrence[]; now: number }) {
  if (occurrences.length === 0) return null;
  const spans = occurrences.map((o) => ({ start: Date.parse(o.startsAt), end: o.endsAt ? Date.parse(o.endsAt) : now, firing: o.endsAt === null }));
  const from = Math.min(...spans.map((s) => s.start));
  const range = Math.max(now - from, 60_000);
  const x = (t: number) => ((t - from) / range) * 1000;
  return (
    <svg className="chart" viewBox="0 0 1000 60" preserveAspectRatio="none" role="img" aria-label={`${occurrences.length} firing episode(s) since ${new Date(from).toLocaleString()}`}>
      <line x1="0" y1="50" x2="1000" y2="50" className="axis" />
      {spans.map((s, i) => (
        <rect key={i} x={x(s.start)} y={10} width={Math.max(x(s.end) - x(s.start), 3)} height={36} className={s.firing ? 'bar-firing' : 'bar-resolved'} />
      ))}
    </svg>
  );
}

function Timeline({ occurrences }: { occurrences: Occurrence[] }) {
  return (
    <ol className="timeline">
      {occurrences.map((o) => (
        <li key={o.startsAt}>
          <Badge value={o.status} /> started <time dateTime={o.startsAt} title={o.startsAt}>{relativeTime(o.startsAt)}</time>
          {o.endsAt ? <> · ended <time dateTime={o.endsAt}>{relativeTime(o.endsAt)}</time></> : ' · still firing'} · received {o.receivedCount}×
        </li>
      ))}
    </ol>
  );
}

function Analysis({ report }: { report: ReportJson }) {
  const f = report.facts ?? {};
  return (
    <section className="card">
      <h2>Analysis</h2>
      <p>
        Report <Badge value={report.state} />
        {report.error ? <span className="field-error"> {report.error}</span> : null}
      </p>
      <dl className="kv">
        <div><dt>Firing for</dt><dd>{durationText(f.firingForMs)}</dd></div>
        <div><dt>Episodes</dt><dd>{f.occurrences ?? '—'}</dd></div>
        <div><dt>Mean time between firings</dt><dd>{durationText(f.meanTimeBetweenFiringsMs)}</dd></div>
        <div><dt>Flapping</dt><dd>{f.flapping === undefined ? '—' : f.flapping ? 'yes' : 'no'}</dd></div>
      </dl>
      {f.related && f.related.length > 0 ? (
        <>
          <h3>Firing alongside</h3>
          <ul>
            {f.related.map((r) => (
              <li key={r.fingerprint}>
                <Link to={`/alerts/${encodeURIComponent(r.fingerprint)}`}>{r.alertname}</Link> <span className="muted">(same {r.shared.join(', ')})</span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

function Actions({ fingerprint }: { fingerprint: string }) {
  const list = useResource<{ executions: ExecutionItem[] }>(`/api/v1/executions?alert=${encodeURIComponent(fingerprint)}`);
  const rows = list.data?.executions ?? [];
  return (
    <section className="card">
      <h2>Actions taken</h2>
      {list.error ? <LoadError message={list.error} retry={list.reload} /> : null}
      {list.data && rows.length === 0 ? <p className="muted">No receiver acted on this alert.</p> : null}
      <ul className="plain">
        {rows.map((e) => (
          <li key={e.id}>
            <Badge value={e.decision ?? e.state} /> <Link to={`/receivers/${encodeURIComponent(e.receiverId)}`}>{e.receiverId}</Link> · {e.reason}{' '}
            <span className="muted">{relativeTime(e.createdAt)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Notifications({ fingerprint }: { fingerprint: string }) {
  const list = useResource<{ deliveries: AlertDelivery[] }>(`/api/v1/alerts/${encodeURIComponent(fingerprint)}/deliveries`);
  const rows = list.data?.deliveries ?? [];
  return (
    <section className="card">
      <h2>Notifications sent</h2>
      {list.error ? <LoadError message={list.error} retry={list.reload} /> : null}
      {list.data && rows.length === 0 ? <p className="muted">No contact point was notified about this alert.</p> : null}
      <ul className="plain">
        {rows.map((d) => (
          <li key={d.id}>
            <Badge value={d.state} /> <Link to={`/deliveries/${encodeURIComponent(d.id)}`}>{d.contactPointId}</Link> · {d.status} · {d.attempts} attempt(s)
            {d.lastStatus ? ` · HTTP ${d.lastStatus}` : ''} <span className="muted">{relativeTime(d.createdAt)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** One alert's report: facts, timeline and chart, and what alertwire did about it. */
export function ReportPage({ fingerprint }: { fingerprint: string }) {
  const report = useResource<ReportJson>(`/api/v1/reports/${encodeURIComponent(fingerprint)}`);
  if (report.error) {
    return report.error.startsWith('no alert') ? (
      <EmptyState title="No such alert">It may have been removed by retention. Go back to the <Link to="/alerts">alert list</Link>.</EmptyState>
    ) : (
      <LoadError message={report.error} retry={report.reload} />
    );
  }
  if (!report.data) return <Loading what="the report" />;
  const r = report.data;
  const occurrences = r.occurrences ?? [];
  return (
    <>
      <PageHeader title={r.alert_name}>
        <Badge value={r.alert.status} />
        <a href={`/report/${encodeURIComponent(r.fingerprint)}`} className="button secondary small">Printable report</a>
      </PageHeader>
      <p className="muted">
        {r.namespace} · fingerprint <code>{r.fingerprint}</code> · first seen {relativeTime(r.alert.firstSeen)} · received {r.alert.receivedCount}×
      </p>
      <div className="grid">
        <Analysis report={r} />
        <section className="card">
          <h2>Timeline</h2>
          <EpisodeChart occurrences={occurrences} now={Date.now()} />
          <Timeline occurrences={occurrences} />
        </section>
        <KeyValues title="Labels" values={r.alert.labels} />
        <KeyValues title="Annotations" values={r.alert.annotations} />
        <Actions fingerprint={r.fingerprint} />
        <Notifications fingerprint={r.fingerprint} />
      </div>
    </>
  );
}
