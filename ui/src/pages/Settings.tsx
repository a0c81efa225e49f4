import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.js';
import { CopyButton } from '../components/CopyButton.js';
import { LoadError, Loading } from '../components/EmptyState.js';
import { TextField } from '../components/fields.js';
import { PageHeader } from '../components/Layout.js';
import { durationText } from '../time.js';
import { useResource } from '../use-resource.js';

interface SettingsView {
  externalUrl: string;
  externalUrlConfigured: boolean;
  webhook: { url: string; token: string; tokenSource: string };
  adminTokenSource: string;
  database: { dialect: string; url: string };
  rateLimits: { perIp: number; global: number; windowSeconds: number; store: string; limitedStatus: number; dedupWindowSeconds: number };
  retention: { rawNotificationsSeconds: number; rawNotificationsMax: number; finishedJobsSeconds: number };
}

interface ProbeAnswer {
  ok: boolean;
  status: number | null;
  latencyMs: number;
  detail: string;
}

function webhookSnippet(s: SettingsView): string {
  return ['receivers:', "  - name: 'alertwire'", '    webhook_configs:', `      - url: '${s.webhook.url}'`, '        send_resolved: true', '        http_config:', '          authorization:', '            type: Bearer', `            credentials: '${s.webhook.token}'`, ''].join('\n');
}

/** A connection with a "Test connection" button: Prometheus or an OpenAI-compatible LLM server. */
function ConnectionTest({ kind, title, placeholder, withKey }: { kind: 'prometheus' | 'llm'; title: string; placeholder: string; withKey: boolean }) {
  const [url, setUrl] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<string>();
  const [answer, setAnswer] = useState<ProbeAnswer>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!/^https?:\/\//.test(url.trim())) return setError('enter an http:// or https:// URL');
    setError(undefined);
    setBusy(true);
    try {
      setAnswer(await api<ProbeAnswer>('/api/v1/settings/test-connection', { method: 'POST', body: { kind, url: url.trim(), ...(apiKey ? { apiKey } : {}) } }));
    } catch (err) {
      setError(messageOf(err).replace(/^url: /, ''));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${kind}-title`}>
      <h2 id={`${kind}-title`}>{title}</h2>
      <TextField label="URL" type="url" value={url} onChange={setUrl} placeholder={placeholder} error={error} />
      {withKey ? <TextField label="API key" type="password" value={apiKey} onChange={setApiKey} hint="Sent once for this test; not stored." /> : null}
      <button type="submit" className="secondary" disabled={busy}>{busy ? 'Testing…' : 'Test connection'}</button>
      {answer ? (
        <p role="status" className={answer.ok ? 'ok' : 'field-error'}>
          {answer.ok ? 'Connected' : 'Failed'}: {answer.detail} {answer.status ? `(HTTP ${answer.status}, ${answer.latencyMs} ms)` : `(${answer.latencyMs} ms)`}
        </p>
      ) : null}
    </form>
  );
}

/** What is in effect. alertwire.yaml owns these values; the page says where each comes from. */
export function SettingsPage() {
  const s = useResource<SettingsView>('/api/v1/settings');
  const [reveal, setReveal] = useState(false);
  if (s.error) return <LoadError message={s.error} retry={s.reload} />;
  if (!s.data) return <Loading what="settings" />;
  const v = s.data;
  return (
    <>
      <PageHeader title="Settings" />
      <p className="hint">These come from <code>alertwire.yaml</code> and the environment; change them there and restart. This page shows what is in effect.</p>
      <div className="grid">
        <section className="card" aria-labelledby="tokens-title">
          <h2 id="tokens-title">Tokens and URL</h2>
          <dl className="kv">
            <div><dt>External URL</dt><dd><code>{v.externalUrl}</code> {v.externalUrlConfigured ? '' : <span className="muted">(not configured: the address listened on; set server.external_url)</span>}</dd></div>
            <div><dt>Webhook URL</dt><dd><code className="break">{v.webhook.url}</code> <CopyButton text={v.webhook.url} label="Copy URL" /></dd></div>
            <div>
              <dt>Webhook token</dt>
              <dd>
                <code className="break">{reveal ? v.webhook.token : '••••••••••••'}</code>{' '}
                <button type="button" className="secondary small" aria-pressed={reveal} onClick={() => setReveal(!reveal)}>{reveal ? 'Hide' : 'Show'}</button>{' '}
                <CopyButton text={v.webhook.token} label="Copy token" /> <span className="muted">({v.webhook.tokenSource})</span>
              </dd>
            </div>
            <div><dt>Admin token</dt><dd>{v.adminTokenSource === 'generated' ? 'generated, in data/credentials.json' : 'auth.admin_token in alertwire.yaml'}</dd></div>
          </dl>
          <h3>alertmanager.yml</h3>
          <pre className="snippet">{reveal ? webhookSnippet(v) : webhookSnippet({ ...v, webhook: { ...v.webhook, token: '<webhook token>' } })}</pre>
          <CopyButton text={webhookSnippet(v)} label="Copy snippet" />
        </section>
        <section className="card" aria-labelledby="limits-title">
          <h2 id="limits-title">Rate limits</h2>
          <dl className="kv">
            <div><dt>Per client</dt><dd>{v.rateLimits.perIp || 'off'} per {v.rateLimits.windowSeconds} s</dd></div>
            <div><dt>Global</dt><dd>{v.rateLimits.global || 'off'} per {v.rateLimits.windowSeconds} s</dd></div>
            <div><dt>Shared through</dt><dd>{v.rateLimits.store}</dd></div>
            <div><dt>When limited</dt><dd>HTTP {v.rateLimits.limitedStatus}</dd></div>
            <div><dt>Duplicate window</dt><dd>{v.rateLimits.dedupWindowSeconds} s</dd></div>
          </dl>
        </section>
        <section className="card" aria-labelledby="retention-title">
          <h2 id="retention-title">Retention</h2>
          <dl className="kv">
            <div><dt>Raw notifications</dt><dd>{durationText(v.retention.rawNotificationsSeconds * 1000)}, at most {v.retention.rawNotificationsMax}</dd></div>
            <div><dt>Finished jobs</dt><dd>{durationText(v.retention.finishedJobsSeconds * 1000)}</dd></div>
            <div><dt>Database</dt><dd>{v.database.dialect} {v.database.url ? <code>{v.database.url}</code> : null}</dd></div>
          </dl>
        </section>
        <ConnectionTest kind="prometheus" title="Prometheus" placeholder="http://prometheus:9090" withKey={false} />
        <ConnectionTest kind="llm" title="LLM (OpenAI-compatible)" placeholder="http://ollama:11434/v1" withKey />
      </div>
    </>
  );
}
