import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withDefaults, type ContactPointSettings } from '../../src/notify/contact-point.js';
import { outboundFor, split, type SnapshotAlert } from '../../src/notify/outbound.js';
import { renderBody } from '../../src/notify/payload.js';
import { namespaceFor, renderField, templateData } from '../../src/notify/render.js';

const NOW = Date.UTC(2024, 2, 1, 12, 0, 0);
const ctx = { externalUrl: 'https://alertwire.example', now: NOW, templates: [] };

function alert(labels: Record<string, string>, over: Partial<SnapshotAlert> = {}): SnapshotAlert {
  return {
    fingerprint: `fp-${labels.alertname ?? 'x'}`,
    status: 'firing',
    labels,
    annotations: {},
    startsAt: Date.UTC(2024, 2, 1, 8, 0, 0),
    endsAt: null,
    generatorURL: '',
    extras: {},
    ...over,
  };
}

function settings(over: Record<string, unknown> = {}): ContactPointSettings {
  return withDefaults({ name: 'hook', url: 'http://127.0.0.1/x', ...over });
}

function body(s: ContactPointSettings, alerts: SnapshotAlert[], groupLabels: Record<string, string> = {}): Record<string, unknown> {
  return JSON.parse(renderBody(s, outboundFor(s.name, alerts, groupLabels, undefined), ctx).body) as Record<string, unknown>;
}

// The two alerts of seed 003's example message, as Grafana sends them.
const T2 = alert(
  { alertname: 'T2', team: 'blue', zone: 'us-1' },
  {
    annotations: { description: 'This is the alert rule checking the second system', runbook_url: 'https://myrunbook.com', summary: 'This is my summary' },
    generatorURL: 'https://play.grafana.org/alerting/1afz29v7z/edit',
    extras: { silenceURL: 'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1' },
  },
);
const T1 = alert(
  { alertname: 'T1', team: 'blue', zone: 'eu-1' },
  {
    generatorURL: 'https://play.grafana.org/alerting/d1rdpdv7k/edit',
    extras: { silenceURL: 'https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1' },
  },
);

describe('grafana profile (default)', () => {
  it('has exactly Grafana’s fields, in Go’s order', () => {
    const b = body(settings(), [T2, T1], {});
    assert.deepEqual(Object.keys(b), [
      'receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL',
      'version', 'groupKey', 'truncatedAlerts', 'orgId', 'title', 'state', 'message',
    ]);
    assert.equal(b.receiver, 'hook');
    assert.equal(b.version, '1');
    assert.equal(b.orgId, 1);
    assert.equal(b.externalURL, 'https://alertwire.example');
    assert.equal(b.truncatedAlerts, 0);
    assert.deepEqual(b.commonLabels, { team: 'blue' });
    assert.equal(b.groupKey, '{}/{contact_point="hook"}:{}');
  });

  it('gives every alert Grafana’s alert fields', () => {
    const [a] = body(settings(), [T2]).alerts as Record<string, unknown>[];
    assert.deepEqual(a, {
      status: 'firing',
      labels: T2.labels,
      annotations: T2.annotations,
      startsAt: '2024-03-01T08:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: T2.generatorURL,
      fingerprint: 'fp-T2',
      silenceURL: T2.extras.silenceURL,
      dashboardURL: '',
      panelURL: '',
      values: null,
      valueString: '',
    });
  });

  // Seed 003 comes from a Grafana older than the "Value:" line; the rest is byte for byte the seed's.
  it('renders Grafana\'s default message: seed 003\'s, with each alert\'s values before its labels', () => {
    const b = body(settings(), [{ ...T2, extras: { ...T2.extras, values: { B: 44.25, C: 1 } } }, T1]);
    assert.equal(
      b.message,
      '**Firing**\n\nValue: B=44.25, C=1\nLabels:\n - alertname = T2\n - team = blue\n - zone = us-1\nAnnotations:\n - description = This is the alert rule checking the second system\n - runbook_url = https://myrunbook.com\n - summary = This is my summary\nSource: https://play.grafana.org/alerting/1afz29v7z/edit\nSilence: https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1\n\nValue: [no value]\nLabels:\n - alertname = T1\n - team = blue\n - zone = eu-1\nAnnotations:\nSource: https://play.grafana.org/alerting/d1rdpdv7k/edit\nSilence: https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1\n',
    );
  });

  it('renders the default title: counts, group label values, other common labels', () => {
    const resolved = alert({ alertname: 'T3', team: 'blue' }, { status: 'resolved', endsAt: NOW });
    assert.equal(body(settings(), [T2, T1, resolved], { team: 'blue' }).title, '[FIRING:2, RESOLVED:1] blue ');
    assert.equal(body(settings(), [T2], { alertname: 'T2' }).title, '[FIRING:1] T2 (blue us-1)');
    assert.equal(body(settings(), [resolved], {}).title, '[RESOLVED]  (T3 blue)');
  });

  it('uses custom title and message templates', () => {
    const b = body(settings({ title: '{{ .CommonLabels.team }} has {{ len .Alerts.Firing }}', message: '{{ range .Alerts }}{{ .Labels.alertname }};{{ end }}' }), [T2, T1]);
    assert.equal(b.title, 'blue has 2');
    assert.equal(b.message, 'T2;T1;');
  });

  it('truncates to maxAlerts first, then sets truncatedAlerts, status and state from what is kept', () => {
    const resolvedFirst = alert({ alertname: 'R', team: 'blue' }, { status: 'resolved', endsAt: NOW });
    const s = settings({ maxAlerts: 1 });
    const b = body(s, [resolvedFirst, T2, T1]);
    assert.equal((b.alerts as unknown[]).length, 1);
    assert.equal(b.truncatedAlerts, 2);
    assert.equal(b.status, 'resolved');
    assert.equal(b.state, 'ok');
    assert.deepEqual(b.commonLabels, { alertname: 'R', team: 'blue' });
    assert.equal(b.title, '[RESOLVED]  (R blue)');
    const firing = body(settings({ maxAlerts: 2 }), [T2, resolvedFirst, T1]);
    assert.equal(firing.status, 'firing');
    assert.equal(firing.state, 'alerting');
    assert.equal(firing.truncatedAlerts, 1);
  });

  it('passes Grafana’s per-alert extras on', () => {
    const g = alert({ alertname: 'G' }, { extras: { dashboardURL: 'https://g/d/1', panelURL: 'https://g/d/1?viewPanel=2', values: { B: 97.5 }, valueString: '[ B=97.5 ]', imageURL: 'https://g/i.png' } });
    const [a] = body(settings(), [g]).alerts as Record<string, unknown>[];
    assert.equal(a?.dashboardURL, 'https://g/d/1');
    assert.equal(a?.panelURL, 'https://g/d/1?viewPanel=2');
    assert.deepEqual(a?.values, { B: 97.5 });
    assert.equal(a?.valueString, '[ B=97.5 ]');
    assert.equal(a?.imageURL, 'https://g/i.png');
  });
});

describe('default templates by profile', () => {
  it('alertmanager and kubesphere URLs see Alertmanager\'s defaults; grafana and custom templates see Grafana\'s', () => {
    const resolved = alert({ alertname: 'T3', team: 'blue' }, { status: 'resolved', endsAt: NOW });
    const data = templateData(outboundFor('hook', [T2, resolved], { team: 'blue' }, undefined), ctx.externalUrl);
    const subject = (profile: ContactPointSettings['payload']['profile']) =>
      renderField('url', '{{ template "__subject" . }}', data, NOW, { namespace: namespaceFor(profile), library: [] });
    assert.equal(subject('alertmanager'), '[FIRING:1] blue ');
    assert.equal(subject('kubesphere'), '[FIRING:1] blue ');
    assert.equal(subject('grafana'), '[FIRING:1, RESOLVED:1] blue ');
    assert.equal(subject('custom'), '[FIRING:1, RESOLVED:1] blue ');
  });
});

describe('alertmanager profile', () => {
  it('is webhook payload version 4 with its fields only', () => {
    const resolved = alert({ alertname: 'T1', team: 'blue' }, { status: 'resolved', endsAt: Date.UTC(2024, 2, 1, 9, 30, 0, 500) });
    const b = body(settings({ payload: { profile: 'alertmanager' }, maxAlerts: 1 }), [resolved, T2], { team: 'blue' });
    assert.deepEqual(Object.keys(b), [
      'receiver', 'status', 'alerts', 'groupLabels', 'commonLabels', 'commonAnnotations', 'externalURL', 'version', 'groupKey', 'truncatedAlerts',
    ]);
    assert.equal(b.version, '4');
    assert.equal(b.truncatedAlerts, 1);
    assert.equal(b.status, 'resolved');
    assert.deepEqual(b.groupLabels, { team: 'blue' });
    assert.deepEqual(b.alerts, [
      {
        status: 'resolved',
        labels: resolved.labels,
        annotations: {},
        startsAt: '2024-03-01T08:00:00Z',
        endsAt: '2024-03-01T09:30:00.5Z',
        generatorURL: '',
        fingerprint: 'fp-T1',
      },
    ]);
  });
});

describe('kubesphere profile', () => {
  it('is notification-manager’s body, every alert labelled with its receiver', () => {
    const b = body(settings({ payload: { profile: 'kubesphere' } }), [T2, T1]);
    assert.deepEqual(Object.keys(b), ['alerts', 'groupLabels', 'commonLabels', 'commonAnnotations']);
    const alerts = b.alerts as Record<string, unknown>[];
    assert.deepEqual(Object.keys(alerts[0] ?? {}), ['id', 'status', 'labels', 'annotations', 'startsAt', 'endsAt', 'notificationTime', 'receiver']);
    assert.equal(alerts[0]?.id, 'fp-T2');
    assert.equal(alerts[0]?.receiver, 'hook');
    assert.equal(alerts[0]?.notificationTime, '2024-03-01T12:00:00Z');
    assert.deepEqual(alerts[0]?.labels, { ...T2.labels, receiver: 'hook' });
    assert.deepEqual(b.commonLabels, { team: 'blue', receiver: 'hook' });
  });
});

describe('custom profile', () => {
  it('renders the payload template with .Vars, ignoring title and message', () => {
    const s = settings({
      title: 'ignored',
      payload: {
        profile: 'custom',
        template: '{"alert_name":"{{ .CommonLabels.alertname }}","status":"{{ .Status }}","environment":"{{ .Vars.environment }}","n":{{ len .Alerts }}}',
        vars: { environment: 'prod' },
      },
    });
    assert.deepEqual(body(s, [T2]), { alert_name: 'T2', status: 'firing', environment: 'prod', n: 1 });
  });

  it('builds a Slack-compatible body with the JSON functions', () => {
    const s = settings({ payload: { profile: 'custom', template: '{{ data.ToJSON (coll.Dict "text" (printf "%s: %d firing" .CommonLabels.team (len .Alerts.Firing))) }}' } });
    assert.deepEqual(body(s, [T2, T1]), { text: 'blue: 2 firing' });
  });
});

describe('split instead of truncate', () => {
  it('splits into notifications of at most maxAlerts, none dropped, each with its own commonLabels', () => {
    const alerts = [T2, T1, alert({ alertname: 'T3', team: 'red' })];
    const parts = split(outboundFor('hook', alerts, {}, undefined), 2);
    assert.equal(parts.length, 2);
    assert.deepEqual(parts.map((p) => p.alerts.map((a) => a.labels.alertname)), [['T2', 'T1'], ['T3']]);
    assert.deepEqual(parts.map((p) => p.truncatedAlerts), [0, 0]);
    assert.deepEqual(parts[1]?.commonLabels, { alertname: 'T3', team: 'red' });
  });
});

describe('docs/contact-points.md recipes', () => {
  it('the Slack recipe renders valid JSON, whatever the label values hold', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/contact-points.md', import.meta.url), 'utf8');
    const template = /template: \|\n((?: {8}.*\n)+)/.exec(doc)?.[1]?.replace(/^ {8}/gm, '');
    assert.ok(template, 'the recipe is in the docs');
    const s = settings({ payload: { profile: 'custom', template, vars: { channel: '#ops' } } });
    const b = body(s, [alert({ alertname: 'Quote "me"\nplease', severity: 'warning' })]);
    assert.equal(b.channel, '#ops');
    assert.equal(b.text, 'FIRING Quote "me"\nplease');
    assert.match(JSON.stringify(b.blocks), /\*\*Firing\*\*/);
  });
});
