import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf } from '../api.js';
import { ConditionsEditor } from '../components/ConditionsEditor.js';
import { Badge, EmptyState, LoadError, Loading } from '../components/EmptyState.js';
import { CheckboxField, focusFirstError, FormError, Group, SelectField, TextArea, TextField } from '../components/fields.js';
import { PageHeader } from '../components/Layout.js';
import { Toggle } from '../components/Toggle.js';
import { contactPointInput, draftFromContactPoint, emptyContactPointDraft, type ContactPointDraft, type ContactPointView } from '../forms/contact-point-form.js';
import { fieldErrorsFromApi, hasErrors, type FieldErrors } from '../forms/field-errors.js';
import { Link, navigate } from '../router.js';
import { relativeTime } from '../time.js';
import { useResource } from '../use-resource.js';

interface Stats {
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  attempts24h: number;
  successRate24h: number | null;
  queueDepth: number;
  circuit: string;
}
type ContactPointItem = ContactPointView & { stats: Stats; disabledReason: string | null };

interface TestAnswer {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  body: string;
  error: string | null;
}

interface Preview {
  title: string;
  message: string;
  body: string;
}

const rate = (s: Stats) => (s.successRate24h === null ? 'no attempts in 24 h' : `${Math.round(s.successRate24h * 100)} % of ${s.attempts24h} in 24 h`);

export function ContactPointsPage() {
  const list = useResource<ContactPointItem[]>('/api/v1/contact-points');
  const rows = list.data ?? [];
  return (
    <>
      <PageHeader title="Contact points">
        <Link to="/contact-points/new" className="button">New contact point</Link>
      </PageHeader>
      <p className="hint">Outbound webhooks: where alertwire sends notifications, with conditions, auth, signing and templates.</p>
      {list.error ? <LoadError message={list.error} retry={list.reload} /> : null}
      {!list.data && !list.error ? <Loading what="contact points" /> : null}
      {list.data && rows.length === 0 ? (
        <EmptyState title="No contact points yet"><Link to="/contact-points/new">Add one</Link> to forward alerts to a webhook: chat, paging, ticketing or your own service.</EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <table className="list">
          <caption className="sr-only">Contact points</caption>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">State</th><th scope="col">Last success</th><th scope="col">Last error</th><th scope="col">Success rate</th></tr>
          </thead>
          <tbody>
            {rows.map((cp) => (
              <tr key={cp.id}>
                <td data-label="Name"><Link to={`/contact-points/${encodeURIComponent(cp.id)}`}>{cp.name}</Link></td>
                <td data-label="URL" className="break">{cp.url}</td>
                <td data-label="State">{cp.enabled ? 'enabled' : 'disabled'}</td>
                <td data-label="Last success">{relativeTime(cp.stats.lastSuccessAt)}</td>
                <td data-label="Last error" title={cp.stats.lastError ?? ''}>{relativeTime(cp.stats.lastErrorAt)}</td>
                <td data-label="Success rate">{rate(cp.stats)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function Health({ cp }: { cp: ContactPointItem }) {
  const s = cp.stats;
  return (
    <section className="card" aria-labelledby="health-title">
      <h2 id="health-title">Health</h2>
      <dl className="kv">
        <div><dt>Last success</dt><dd>{relativeTime(s.lastSuccessAt)}</dd></div>
        <div><dt>Last error</dt><dd>{relativeTime(s.lastErrorAt)} {s.lastError ? <span className="field-error">{s.lastError}</span> : null}</dd></div>
        <div><dt>Success rate</dt><dd>{rate(s)}</dd></div>
        <div><dt>Queued</dt><dd>{s.queueDepth} · circuit {s.circuit}</dd></div>
      </dl>
      <Link to={`/deliveries?contactPoint=${encodeURIComponent(cp.id)}`}>Its deliveries</Link>
    </section>
  );
}

/** The form body: the groups of the seeds, in their order. */
function ContactPointFields({ d, set, errors }: { d: ContactPointDraft; set: (d: ContactPointDraft) => void; errors: FieldErrors }) {
  const part = <K extends 'connection' | 'verification' | 'tls' | 'signing' | 'content'>(key: K) =>
    <F extends keyof ContactPointDraft[K]>(field: F) => (value: ContactPointDraft[K][F]) => set({ ...d, [key]: { ...d[key], [field]: value } });
  const c = part('connection');
  const v = part('verification');
  const t = part('tls');
  const s = part('signing');
  const m = part('content');
  return (
    <>
      <Group legend="Connection">
        <TextField label="Name" value={d.name} onChange={(name) => set({ ...d, name })} error={errors.name} />
        <TextField label="Webhook URL" type="url" value={d.connection.url} onChange={c('url')} error={errors.url} placeholder="https://hooks.example.com/alerts" />
        <div className="row">
          <SelectField label="Method" value={d.connection.method} onChange={c('method')} options={[{ value: 'POST', label: 'POST' }, { value: 'PUT', label: 'PUT' }]} />
          <TextField label="Timeout (s)" inputMode="decimal" value={d.connection.timeout} onChange={c('timeout')} error={errors.timeout} />
        </div>
        <TextArea label="Extra headers (Name: value per line)" mono value={d.connection.headers} onChange={c('headers')} error={errors.headers} hint="Content-Type may be overridden here; Authorization belongs to Verification." />
      </Group>
      <Group legend="Verification">
        <SelectField label="Verification type" value={d.verification.type} onChange={v('type')} options={[{ value: 'none', label: 'No authentication' }, { value: 'bearer', label: 'Bearer token' }, { value: 'basic', label: 'Basic authentication' }, { value: 'header', label: 'Authorization header (scheme + credentials)' }, { value: 'oauth2', label: 'OAuth 2 client credentials' }]} />
        {d.verification.type === 'bearer' ? <TextField label="Token" type="password" value={d.verification.token} onChange={v('token')} error={errors['auth.token']} /> : null}
        {d.verification.type === 'basic' ? (
          <div className="row">
            <TextField label="User name" value={d.verification.username} onChange={v('username')} error={errors['auth.username']} />
            <TextField label="Password" type="password" value={d.verification.password} onChange={v('password')} error={errors['auth.password']} />
          </div>
        ) : null}
        {d.verification.type === 'header' ? (
          <div className="row">
            <TextField label="Authentication header scheme" value={d.verification.scheme} onChange={v('scheme')} error={errors['auth.scheme']} />
            <TextField label="Authentication header credentials" type="password" value={d.verification.credentials} onChange={v('credentials')} error={errors['auth.credentials']} />
          </div>
        ) : null}
        {d.verification.type === 'oauth2' ? (
          <>
            <TextField label="Token URL" value={d.verification.tokenUrl} onChange={v('tokenUrl')} error={errors['auth.tokenUrl']} />
            <div className="row">
              <TextField label="Client id" value={d.verification.clientId} onChange={v('clientId')} error={errors['auth.clientId']} />
              <TextField label="Client secret" type="password" value={d.verification.clientSecret} onChange={v('clientSecret')} error={errors['auth.clientSecret']} />
            </div>
            <TextField label="Scopes (space separated)" value={d.verification.scopes} onChange={v('scopes')} />
          </>
        ) : null}
      </Group>
      <Group legend="TLS">
        <CheckboxField label="Skip TLS verification (insecure)" checked={d.tls.insecureSkipVerify} onChange={t('insecureSkipVerify')} />
        <TextArea label="CA certificate (PEM)" mono value={d.tls.ca} onChange={t('ca')} error={errors['tls.ca']} />
        <TextArea label="Client certificate (PEM)" mono value={d.tls.cert} onChange={t('cert')} error={errors['tls.cert']} />
        <TextArea label="Client key (PEM)" mono value={d.tls.key} onChange={t('key')} error={errors['tls.key']} />
        <TextField label="Server name (SNI)" value={d.tls.serverName} onChange={t('serverName')} error={errors['tls.serverName']} />
      </Group>
      <Group legend="Signing">
        <SelectField label="Signature" value={d.signing.type} onChange={s('type')} options={[{ value: 'none', label: 'None' }, { value: 'hmac', label: 'HMAC-SHA256 (Grafana)' }, { value: 'standard', label: 'Standard Webhooks' }]} />
        {d.signing.type === 'hmac' ? (
          <>
            <TextField label="Secret" type="password" value={d.signing.secret} onChange={s('secret')} error={errors['signing.secret']} />
            <div className="row">
              <TextField label="Header" value={d.signing.header} onChange={s('header')} placeholder="X-Grafana-Alerting-Signature" error={errors['signing.header']} />
              <TextField label="Timestamp header" value={d.signing.timestampHeader} onChange={s('timestampHeader')} error={errors['signing.timestampHeader']} hint="When set, the signature covers “timestamp:body”." />
            </div>
          </>
        ) : null}
        {d.signing.type === 'standard' ? <TextArea label="Secrets (whsec_…, one per line)" mono value={d.signing.secrets} onChange={s('secrets')} error={errors['signing.secrets']} /> : null}
      </Group>
      <Group legend="Content">
        <SelectField label="Payload" value={d.content.profile} onChange={m('profile')} options={[{ value: 'grafana', label: 'Grafana webhook' }, { value: 'alertmanager', label: 'Alertmanager webhook' }, { value: 'kubesphere', label: 'KubeSphere notification' }, { value: 'custom', label: 'Custom payload template' }]} />
        <TextField label="Title" value={d.content.title} onChange={m('title')} error={errors.title} />
        <TextArea label="Message" mono rows={3} value={d.content.message} onChange={m('message')} error={errors.message} />
        {d.content.profile === 'custom' ? (
          <>
            <TextArea label="Payload template" mono rows={6} value={d.content.template} onChange={m('template')} error={errors['payload.template']} />
            <TextArea label="Payload variables (name: value per line, as .Vars.name)" mono value={d.content.vars} onChange={m('vars')} error={errors['payload.vars']} />
          </>
        ) : null}
        <div className="row">
          <TextField label="Max alerts (0 = no limit)" inputMode="numeric" value={d.content.maxAlerts} onChange={m('maxAlerts')} error={errors.maxAlerts} />
          <SelectField label="Beyond max alerts" value={d.content.maxAlertsMode} onChange={m('maxAlertsMode')} options={[{ value: 'truncate', label: 'Leave them out' }, { value: 'split', label: 'Send several messages' }]} />
        </div>
        <TextField label="Group by labels" value={d.content.groupBy} onChange={m('groupBy')} error={errors['grouping.groupBy']} hint="Empty: send each notification as it arrives." />
        <CheckboxField label="Send resolved alerts" checked={d.content.sendResolved} onChange={m('sendResolved')} />
      </Group>
      <Group legend="Notification conditions" description="Only alerts that meet every condition are sent here.">
        <ConditionsEditor rows={d.conditions} onChange={(conditions) => set({ ...d, conditions })} errors={errors} />
      </Group>
    </>
  );
}

/** The request body of a preview: placeholders where the form is still empty, so it renders early. */
function previewInput(d: ContactPointDraft): Record<string, unknown> {
  const { input } = contactPointInput(d);
  return { ...input, name: d.name.trim() || 'preview', url: d.connection.url.trim() || 'http://preview.invalid/' };
}

/** Title, message and payload as the server renders them for a sample group, refreshed as the form changes. */
function LivePreview({ draft, basedOn }: { draft: ContactPointDraft; basedOn: string | null }) {
  const [preview, setPreview] = useState<Preview>();
  const [error, setError] = useState<string>();
  const key = JSON.stringify(previewInput(draft));
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      api<Preview>('/api/v1/contact-points/preview', { method: 'POST', body: { contactPoint: JSON.parse(key) as unknown, ...(basedOn ? { basedOn } : {}) } })
        .then((p) => current && (setPreview(p), setError(undefined)))
        .catch((e: unknown) => current && setError(messageOf(e)));
    }, 500);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [key, basedOn]);
  return (
    <section className="card preview" aria-labelledby="preview-title" aria-live="polite">
      <h2 id="preview-title">Preview</h2>
      <p className="hint">Rendered by the server for a sample group of two firing alerts.</p>
      {error ? <p className="field-error">{error}</p> : null}
      {preview ? (
        <>
          <h3>Title</h3>
          <pre className="snippet" data-testid="preview-title">{preview.title}</pre>
          <h3>Message</h3>
          <pre className="snippet">{preview.message}</pre>
          <h3>Payload</h3>
          <pre className="snippet">{prettyJson(preview.body)}</pre>
        </>
      ) : null}
    </section>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function TestAnswerView({ answer }: { answer: TestAnswer }) {
  return (
    <div className={`test-answer ${answer.ok ? 'ok' : 'failed'}`} role="status" data-testid="test-answer">
      <p>
        <strong>{answer.ok ? 'Delivered' : 'Failed'}</strong> · {answer.status === null ? 'no HTTP answer' : `HTTP ${answer.status}`} · {Math.round(answer.latencyMs)} ms
      </p>
      {answer.error ? <p className="field-error">{answer.error}</p> : null}
      {answer.body ? <pre className="snippet">{answer.body}</pre> : null}
    </div>
  );
}

/** New or saved contact point: the form, preview, Send Test Message, the Enabled toggle and health. */
export function ContactPointEditPage({ id }: { id: string | null }) {
  const saved = useResource<ContactPointItem>(id ? `/api/v1/contact-points/${encodeURIComponent(id)}` : null);
  const [draft, setDraft] = useState<ContactPointDraft>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [answer, setAnswer] = useState<TestAnswer>();
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  const [notice, setNotice] = useState<string>();
  const form = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (id === null) setDraft(emptyContactPointDraft());
    else if (saved.data) setDraft(draftFromContactPoint(saved.data));
  }, [id, saved.data]);

  const fail = (err: unknown) => {
    setErrors(err instanceof ApiError ? fieldErrorsFromApi(err.body) : { '': messageOf(err) });
    focusFirstError(form.current);
  };
  const checked = (): Record<string, unknown> | null => {
    if (!draft) return null;
    const { input, errors: found } = contactPointInput(draft);
    setErrors(found);
    if (!hasErrors(found)) return input;
    focusFirstError(form.current);
    return null;
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const input = checked();
    if (!input) return;
    setBusy('save');
    try {
      const result = id === null
        ? await api<ContactPointItem>('/api/v1/contact-points', { method: 'POST', body: input })
        : await api<ContactPointItem>(`/api/v1/contact-points/${encodeURIComponent(id)}`, { method: 'PUT', body: input });
      setNotice('Saved.');
      if (id === null) navigate(`/contact-points/${encodeURIComponent(result.id)}`, { replace: true });
      else saved.reload();
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  };

  const sendTest = async () => {
    const input = checked();
    if (!input) return;
    setBusy('test');
    setAnswer(undefined);
    try {
      setAnswer(await api<TestAnswer>('/api/v1/contact-points/test', { method: 'POST', body: { contactPoint: input, ...(id ? { basedOn: id } : {}) } }));
    } catch (err) {
      fail(err);
    } finally {
      setBusy(null);
    }
  };

  /** Saved contact points switch at once (KubeSphere's toggle); a new one takes it with Save. */
  const toggle = async (enabled: boolean) => {
    if (!draft) return;
    setDraft({ ...draft, enabled });
    if (id === null) return;
    try {
      await api(`/api/v1/contact-points/${encodeURIComponent(id)}`, { method: 'PATCH', body: { enabled } });
      setNotice(enabled ? 'Notifications enabled.' : 'Notifications disabled.');
      saved.reload();
    } catch (err) {
      fail(err);
    }
  };

  if (saved.error) return <LoadError message={saved.error} retry={saved.reload} />;
  if (!draft) return <Loading what="the contact point" />;
  return (
    <>
      <PageHeader title={id === null ? 'New contact point' : draft.name || id}>
        <Toggle label="Notifications" checked={draft.enabled} onChange={(v) => void toggle(v)} disabled={saved.data?.provisioned} />
        {saved.data ? <Badge value={saved.data.disabledReason ? 'auto-disabled' : null} /> : null}
      </PageHeader>
      <p aria-live="polite" className="notice">{notice}</p>
      {saved.data?.provisioned ? <p className="hint">Provisioned from alertwire.yaml: read-only here.</p> : null}
      <div className="split">
        <form ref={form} onSubmit={(e) => void save(e)} noValidate className="form">
          <ContactPointFields d={draft} set={setDraft} errors={errors} />
          <FormError message={errors['']} />
          <div className="actions">
            <button type="submit" disabled={busy !== null || saved.data?.provisioned}>{busy === 'save' ? 'Saving…' : 'Save'}</button>
            <button type="button" className="secondary" onClick={() => void sendTest()} disabled={busy !== null}>{busy === 'test' ? 'Sending…' : 'Send Test Message'}</button>
            <Link to="/contact-points" className="button secondary">Back</Link>
          </div>
          {answer ? <TestAnswerView answer={answer} /> : null}
        </form>
        <aside className="side">
          <LivePreview draft={draft} basedOn={id} />
          {saved.data ? <Health cp={saved.data} /> : null}
        </aside>
      </div>
    </>
  );
}
