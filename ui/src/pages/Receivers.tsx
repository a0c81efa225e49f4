import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf } from '../api.js';
import { ConditionsEditor } from '../components/ConditionsEditor.js';
import { CopyButton } from '../components/CopyButton.js';
import { Badge, EmptyState, LoadError, Loading } from '../components/EmptyState.js';
import { CheckboxField, focusFirstError, FormError, Group, SelectField, TextArea, TextField } from '../components/fields.js';
import { PageHeader } from '../components/Layout.js';
import { Toggle } from '../components/Toggle.js';
import { fieldErrorsFromApi, hasErrors, type FieldErrors } from '../forms/field-errors.js';
import { emptyReceiverDraft, RECEIVER_KINDS, receiverInput, type ReceiverDraft, type ReceiverKind } from '../forms/receiver-form.js';
import { Link } from '../router.js';
import { relativeTime } from '../time.js';
import { useResource } from '../use-resource.js';

export interface ReceiverItem {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  provisioned: boolean;
  url: string;
  action: Record<string, unknown>;
  lastTriggeredAt: string | null;
  lastDecision: string | null;
}

interface Created extends ReceiverItem {
  token: string;
  alertmanager: string;
}

export interface ExecutionItem {
  id: string;
  receiverId: string;
  state: string;
  decision: string | null;
  reason: string;
  target: string | null;
  from: number | null;
  to: number | null;
  output: string | null;
  error: string | null;
  exitCode: number | null;
  durationMs: number | null;
  rerunOf: string | null;
  createdAt: string;
}

/** What a receiver acts on, in a few words: `deployment shop/web`, the program, or the URL. */
export function targetOf(r: ReceiverItem): string {
  const a = r.action;
  if (r.kind === 'scale') {
    const w = a.workload as { kind?: string; namespace?: string; name?: string } | undefined;
    return `${(w?.kind ?? '').toLowerCase()} ${w?.namespace ?? ''}/${w?.name ?? ''} ${String(a.direction ?? '')}`;
  }
  if (r.kind === 'command') return ((a.argv as string[] | undefined) ?? []).join(' ');
  return `${String(a.method ?? 'POST')} ${String(a.url ?? '')}`;
}

export function ReceiversPage() {
  const list = useResource<{ receivers: ReceiverItem[] }>('/api/v1/receivers');
  const rows = list.data?.receivers ?? [];
  return (
    <>
      <PageHeader title="Receivers">
        <Link to="/receivers/new" className="button">Add Receiver</Link>
      </PageHeader>
      <p className="hint">A receiver is a URL that acts when it is called: scale a workload, run a command, call a URL.</p>
      {list.error ? <LoadError message={list.error} retry={list.reload} /> : null}
      {!list.data && !list.error ? <Loading what="receivers" /> : null}
      {list.data && rows.length === 0 ? (
        <EmptyState title="No receivers yet">
          <Link to="/receivers/new">Add a receiver</Link>, then point an Alertmanager route at its URL.
        </EmptyState>
      ) : null}
      {rows.length > 0 ? (
        <table className="list">
          <caption className="sr-only">Receivers</caption>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Target</th><th scope="col">Last triggered</th><th scope="col">Last decision</th><th scope="col">State</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td data-label="Name"><Link to={`/receivers/${encodeURIComponent(r.id)}`}>{r.name}</Link><div className="muted small break">{r.url}</div></td>
                <td data-label="Kind">{r.kind}</td>
                <td data-label="Target" className="break">{targetOf(r)}</td>
                <td data-label="Last triggered" title={r.lastTriggeredAt ?? ''}>{relativeTime(r.lastTriggeredAt)}</td>
                <td data-label="Last decision"><Badge value={r.lastDecision} /></td>
                <td data-label="State">{r.enabled ? 'enabled' : 'disabled'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

/** The URL, the token (shown this once) and the alertmanager.yml snippet, each with a copy button. */
function CreatedPanel({ created, title }: { created: Created; title: string }) {
  return (
    <section className="card created" aria-labelledby="created-title">
      <h2 id="created-title">{title}</h2>
      <p>The token is shown this once; alertwire keeps only its hash. Copy it now.</p>
      <dl className="kv">
        <div><dt>URL</dt><dd><code className="break" data-testid="receiver-url">{created.url}</code> <CopyButton text={created.url} label="Copy URL" /></dd></div>
        <div><dt>Token</dt><dd><code className="break" data-testid="receiver-token">{created.token}</code> <CopyButton text={created.token} label="Copy token" /></dd></div>
      </dl>
      <h3>alertmanager.yml</h3>
      <pre className="snippet">{created.alertmanager}</pre>
      <CopyButton text={created.alertmanager} label="Copy snippet" />
    </section>
  );
}

function ScaleFields({ d, set, errors }: { d: ReceiverDraft['scale']; set: (s: ReceiverDraft['scale']) => void; errors: FieldErrors }) {
  const up = <K extends keyof ReceiverDraft['scale']>(key: K) => (value: ReceiverDraft['scale'][K]) => set({ ...d, [key]: value });
  return (
    <Group legend="Scale action">
      <div className="row">
        <SelectField label="Workload kind" value={d.workloadKind} onChange={up('workloadKind')} options={[{ value: 'Deployment', label: 'Deployment' }, { value: 'StatefulSet', label: 'StatefulSet' }, { value: 'ReplicaSet', label: 'ReplicaSet' }]} />
        <TextField label="Namespace" value={d.namespace} onChange={up('namespace')} error={errors['action.workload.namespace']} />
        <TextField label="Workload" value={d.workload} onChange={up('workload')} error={errors['action.workload.name']} />
      </div>
      <div className="row">
        <SelectField label="Direction" value={d.direction} onChange={up('direction')} options={[{ value: 'up', label: 'Scale up' }, { value: 'down', label: 'Scale down' }]} />
        <TextField label="Step" inputMode="numeric" value={d.step} onChange={up('step')} error={errors['action.step']} hint="Replicas per notification" />
        <TextField label="Minimum" inputMode="numeric" value={d.min} onChange={up('min')} error={errors['action.min']} />
        <TextField label="Maximum" inputMode="numeric" value={d.max} onChange={up('max')} error={errors['action.max']} />
      </div>
      <div className="row">
        <TextField label="Cooldown after scaling up (s)" inputMode="numeric" value={d.cooldownUp} onChange={up('cooldownUp')} error={errors['action.cooldown_up']} />
        <TextField label="Cooldown after scaling down (s)" inputMode="numeric" value={d.cooldownDown} onChange={up('cooldownDown')} error={errors['action.cooldown_down']} />
      </div>
      <CheckboxField label="Dry run: decide and log, change nothing" checked={d.dryRun} onChange={up('dryRun')} />
    </Group>
  );
}

function CommandFields({ d, set, errors }: { d: ReceiverDraft['command']; set: (c: ReceiverDraft['command']) => void; errors: FieldErrors }) {
  return (
    <Group legend="Command action">
      <TextArea label="Program and arguments (one per line)" mono value={d.argv} onChange={(argv) => set({ ...d, argv })} error={errors['action.argv']} hint="No shell: the first line is the program, each further line one argument." />
      <div className="row">
        <TextField label="Working directory" value={d.cwd} onChange={(cwd) => set({ ...d, cwd })} error={errors['action.cwd']} />
        <TextField label="Timeout (s)" inputMode="decimal" value={d.timeout} onChange={(timeout) => set({ ...d, timeout })} error={errors['action.timeout']} />
      </div>
    </Group>
  );
}

function HttpFields({ d, set, errors }: { d: ReceiverDraft['http']; set: (h: ReceiverDraft['http']) => void; errors: FieldErrors }) {
  const up = <K extends keyof ReceiverDraft['http']>(key: K) => (value: ReceiverDraft['http'][K]) => set({ ...d, [key]: value });
  return (
    <Group legend="HTTP action">
      <div className="row">
        <SelectField label="Method" value={d.method} onChange={up('method')} options={['POST', 'PUT', 'PATCH', 'GET', 'DELETE'].map((m) => ({ value: m, label: m }))} />
        <TextField label="URL" value={d.url} onChange={up('url')} error={errors['action.url']} hint="A template: {{ .CommonLabels.namespace }} works here." />
      </div>
      <TextArea label="Headers (Name: value per line)" mono value={d.headers} onChange={up('headers')} error={errors['action.headers']} />
      <TextArea label="Body template" mono value={d.body} onChange={up('body')} error={errors['action.body']} hint="Empty: the Alertmanager JSON of the notification." />
      <SelectField label="Authentication" value={d.authType} onChange={up('authType')} options={[{ value: 'none', label: 'None' }, { value: 'basic', label: 'Basic' }, { value: 'bearer', label: 'Bearer token' }]} />
      {d.authType === 'basic' ? (
        <div className="row">
          <TextField label="User name" value={d.username} onChange={up('username')} error={errors['action.auth.username']} />
          <TextField label="Password" type="password" value={d.password} onChange={up('password')} error={errors['action.auth.password']} />
        </div>
      ) : null}
      {d.authType === 'bearer' ? <TextField label="Token" type="password" value={d.token} onChange={up('token')} error={errors['action.auth.token']} /> : null}
    </Group>
  );
}

/** Add Receiver: name, kind, the kind's action, conditions; then the URL and token, once. */
export function ReceiverNewPage() {
  const [draft, setDraft] = useState<ReceiverDraft>(emptyReceiverDraft());
  const [errors, setErrors] = useState<FieldErrors>({});
  const [created, setCreated] = useState<Created>();
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { input, errors: found } = receiverInput(draft);
    setErrors(found);
    if (hasErrors(found)) return focusFirstError(form.current);
    setBusy(true);
    try {
      setCreated(await api<Created>('/api/v1/receivers', { method: 'POST', body: input }));
    } catch (err) {
      setErrors(err instanceof ApiError ? fieldErrorsFromApi(err.body) : { '': messageOf(err) });
      focusFirstError(form.current);
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <>
        <PageHeader title={`Receiver “${created.name}” created`} />
        <CreatedPanel created={created} title="Its URL and token" />
        <p><Link to={`/receivers/${encodeURIComponent(created.id)}`}>Open the receiver and its execution log</Link> · <Link to="/receivers">All receivers</Link></p>
      </>
    );
  }
  const kindHint = RECEIVER_KINDS.find((k) => k.kind === draft.kind)?.hint;
  return (
    <>
      <PageHeader title="Add Receiver" />
      <form ref={form} onSubmit={(e) => void submit(e)} noValidate className="form">
        <Group legend="Receiver">
          <TextField label="Name" value={draft.name} onChange={(name) => setDraft({ ...draft, name })} error={errors.name} />
          <SelectField<ReceiverKind> label="Kind" value={draft.kind} hint={kindHint} onChange={(kind) => setDraft({ ...draft, kind })} error={errors.kind} options={RECEIVER_KINDS.map((k) => ({ value: k.kind, label: k.label }))} />
          <SelectField label="When the alert resolves" value={draft.onResolved} onChange={(onResolved) => setDraft({ ...draft, onResolved })} options={[{ value: 'nothing', label: 'Do nothing' }, { value: 'reverse', label: 'Reverse the action (scale the other way)' }]} />
        </Group>
        {draft.kind === 'scale' ? <ScaleFields d={draft.scale} set={(scale) => setDraft({ ...draft, scale })} errors={errors} /> : null}
        {draft.kind === 'command' ? <CommandFields d={draft.command} set={(command) => setDraft({ ...draft, command })} errors={errors} /> : null}
        {draft.kind === 'http' ? <HttpFields d={draft.http} set={(http) => setDraft({ ...draft, http })} errors={errors} /> : null}
        <Group legend="Conditions" description="The action runs only for alerts that meet every condition.">
          <ConditionsEditor rows={draft.conditions} onChange={(conditions) => setDraft({ ...draft, conditions })} errors={errors} />
        </Group>
        <FormError message={errors[''] ?? (errors.action ? `action: ${errors.action}` : undefined)} />
        <div className="actions">
          <button type="submit" disabled={busy}>{busy ? 'Creating…' : 'Create'}</button>
          <Link to="/receivers" className="button secondary">Cancel</Link>
        </div>
      </form>
    </>
  );
}

function ExecutionLog({ receiverId }: { receiverId: string }) {
  const list = useResource<{ executions: ExecutionItem[] }>(`/api/v1/executions?receiver=${encodeURIComponent(receiverId)}&limit=50`);
  const [message, setMessage] = useState<string>();
  const rerun = async (id: string) => {
    try {
      await api(`/api/v1/executions/${encodeURIComponent(id)}/rerun`, { method: 'POST' });
      setMessage('Re-run queued.');
      setTimeout(list.reload, 500);
    } catch (err) {
      setMessage(messageOf(err));
    }
  };
  const rows = list.data?.executions ?? [];
  return (
    <section className="card" aria-labelledby="log-title">
      <div className="page-header">
        <h2 id="log-title">Execution log</h2>
        <button type="button" className="secondary small" onClick={list.reload}>Refresh</button>
      </div>
      <p aria-live="polite" className="muted">{message}</p>
      {list.error ? <LoadError message={list.error} retry={list.reload} /> : null}
      {list.data && rows.length === 0 ? <EmptyState title="Not triggered yet">POST an Alertmanager notification to the receiver URL; each call appears here with its decision.</EmptyState> : null}
      <ol className="executions">
        {rows.map((e) => (
          <li key={e.id} className="execution" data-testid="execution">
            <div className="execution-head">
              <Badge value={e.decision ?? e.state} /> <strong>{e.reason}</strong> <span className="muted">{relativeTime(e.createdAt)} · {e.durationMs ?? '—'} ms</span>
            </div>
            {e.from !== null || e.to !== null ? <p>Replicas: before {e.from ?? '—'}, after {e.to ?? '—'} {e.target ? `(${e.target})` : ''}</p> : null}
            {e.output ? <pre className="snippet">{e.output}</pre> : null}
            {e.error ? <p className="field-error">{e.error}</p> : null}
            <button type="button" className="secondary small" onClick={() => void rerun(e.id)}>Re-run</button>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** One receiver: its URL, enable toggle, token rotation, and the execution log with re-run. */
export function ReceiverPage({ id }: { id: string }) {
  const receiver = useResource<ReceiverItem>(`/api/v1/receivers/${encodeURIComponent(id)}`);
  const [rotated, setRotated] = useState<Created>();
  const [error, setError] = useState<string>();
  const act = async (work: () => Promise<void>) => {
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const setEnabled = (enabled: boolean) => act(async () => {
    await api(`/api/v1/receivers/${encodeURIComponent(id)}`, { method: 'PATCH', body: { enabled } });
    receiver.reload();
  });
  const rotate = () => act(async () => {
    if (!window.confirm('Issue a new token? The old one keeps working for the configured overlap (1 h by default).')) return;
    setRotated(await api<Created>(`/api/v1/receivers/${encodeURIComponent(id)}/rotate-token`, { method: 'POST' }));
  });
  if (receiver.error) return <LoadError message={receiver.error} retry={receiver.reload} />;
  if (!receiver.data) return <Loading what="the receiver" />;
  const r = receiver.data;
  return (
    <>
      <PageHeader title={r.name}>
        <Toggle label="Receiver" checked={r.enabled} onChange={(v) => void setEnabled(v)} disabled={r.provisioned} />
        <button type="button" className="secondary" onClick={() => void rotate()} disabled={r.provisioned}>Rotate token</button>
      </PageHeader>
      <FormError message={error} />
      {r.provisioned ? <p className="hint">Provisioned from alertwire.yaml: change it in the file.</p> : null}
      <dl className="kv card">
        <div><dt>Kind</dt><dd>{r.kind}</dd></div>
        <div><dt>Target</dt><dd>{targetOf(r)}</dd></div>
        <div><dt>URL</dt><dd><code className="break">{r.url}</code> <CopyButton text={r.url} label="Copy URL" /></dd></div>
        <div><dt>Last triggered</dt><dd>{relativeTime(r.lastTriggeredAt)} <Badge value={r.lastDecision} /></dd></div>
      </dl>
      {rotated ? <CreatedPanel created={rotated} title="New token" /> : null}
      <ExecutionLog receiverId={r.id} />
    </>
  );
}
