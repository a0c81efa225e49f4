// The alertmanager namespace against the real engine: Debian's `amtool template render`
// (Alertmanager 0.25.0, with its own default templates loaded) renders every default
// definition and a corpus of user-style templates against several payloads, and
// alertwire must render the same bytes. amtool is required: the test fails without it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultNames, notificationData, renderTemplate } from '../../src/template/index.js';
import type { NotificationInput } from '../../src/template/index.js';

const AMTOOL = '/usr/bin/amtool';
const DEBIAN_TEMPLATES = '/usr/share/prometheus/alertmanager';
const here = dirname(fileURLToPath(import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'alertwire-amtool-'));
const fixtures = JSON.parse(readFileSync(join(here, 'golden/fixtures.json'), 'utf8')) as Record<string, NotificationInput>;

const alert = (status: string, labels: Record<string, string>, annotations: Record<string, string>, startsAt: string, endsAt: string, generatorURL = '') => ({
  status,
  labels,
  annotations,
  startsAt,
  endsAt,
  generatorURL,
  fingerprint: Object.values(labels).join('').length.toString(16).padStart(16, '0'),
});

const ZERO = '0001-01-01T00:00:00Z';
const zurich = { alertname: 'DiskFull', region: 'eu-zürich-1', severity: 'critical', team: 'node' };

/** Payloads in Alertmanager's Data shape, which is the webhook's. */
const PAYLOADS: Record<string, NotificationInput> = {
  am: fixtures.am as NotificationInput,
  grafana: fixtures.grafana as NotificationInput,
  mixed: fixtures.mixed as NotificationInput,
  resolved: fixtures.resolved as NotificationInput,
  empty: fixtures.empty as NotificationInput,
  unicode: {
    receiver: 'équipe/ops & co',
    status: 'firing',
    alerts: [
      alert('firing', { ...zurich, instance: 'nœud-1' }, { summary: 'Disque plein à 95 % — «urgent»', description: '日本語 ✓ <b>&</b>' }, '2024-02-29T23:59:59.999999999+05:45', ZERO, 'http://prom/graph?g0.expr=a%20b'),
      alert('firing', { ...zurich, instance: 'İSTANBUL-2' }, {}, '2024-03-01T00:00:00-03:30', ZERO),
      alert('resolved', { ...zurich, instance: 'ΟΔΟΣ' }, { summary: 'résolu' }, '2024-02-28T10:00:00Z', '2024-02-28T12:30:00.5+01:00'),
    ],
    groupLabels: { alertname: 'DiskFull', region: 'eu-zürich-1' },
    commonLabels: zurich,
    commonAnnotations: {},
    externalURL: 'https://am.example.com/sub path',
  },
  bare: {
    receiver: '',
    status: 'resolved',
    alerts: [alert('resolved', { alertname: 'Bare' }, {}, '2024-01-01T00:00:00Z', '2024-01-01T00:05:00Z')],
    groupLabels: {},
    commonLabels: { alertname: 'Bare' },
    commonAnnotations: {},
    externalURL: '',
  },
};

/** Definitions that take a list of alerts rather than the whole data. */
const LIST_TAKING = new Set(['__text_alert_list', 'pagerduty.default.instances']);

/** User-style templates, the kind found in alertmanager.yml receivers. */
const CORPUS: Record<string, string> = {
  slack: `{{ define "slack.custom" }}*{{ .Status | toUpper }}* {{ .CommonLabels.alertname }}
{{ range .Alerts }}• {{ .Labels.instance }}: {{ .Annotations.summary }}{{ if .GeneratorURL }} (<{{ .GeneratorURL }}|graph>){{ end }}
{{ end }}{{ end }}{{ template "slack.custom" . }}{{ template "slack.default.fallback" . }}`,
  times: `{{ range .Alerts }}{{ .StartsAt }}|{{ .StartsAt.UTC.Format "2006-01-02T15:04:05Z07:00" }}|{{ .EndsAt.IsZero }}|{{ .StartsAt.Unix }}|{{ .StartsAt.Round 3600000000000 }}|{{ .StartsAt.Truncate 60000000000 }}
{{ end }}`,
  durations: `{{ range .Alerts }}{{ .EndsAt.Sub .StartsAt }}|{{ (.EndsAt.Sub .StartsAt).Round 1000000000 }}|{{ (.StartsAt.Sub .EndsAt).Hours }}
{{ end }}`,
  functions: `{{ join ", " .GroupLabels.Names }}|{{ (.CommonLabels.Remove (stringSlice "severity")).Values }}|{{ reReplaceAll "(\\\\w+)-(\\\\d)" "$2:$1" "node-1 web-2" }}|{{ match "^Disk" .CommonLabels.alertname }}|{{ safeHtml "<b>" }}|{{ len .Alerts.Firing }}/{{ len .Alerts.Resolved }}`,
  cases: `{{ range .Alerts }}{{ toUpper .Labels.instance }} {{ toLower .Labels.instance }} {{ title .Labels.instance }}
{{ end }}{{ title "hello wORLD foo-bar don't x_y 3rd.place hello.world 2s 5xx ßtraße ǆemal ΟΔΟΣ ﬁsh" }}|{{ toLower "İSTANBUL" }}|{{ toUpper "ᾳ ß ﬁ ǆ" }}`,
  pairs: `{{ range .CommonLabels.SortedPairs }}{{ .Name }}={{ .Value }};{{ end }}|{{ .CommonLabels.SortedPairs.Names }}|{{ .GroupLabels.Values }}|{{ .CommonAnnotations.SortedPairs.Values }}|{{ index .CommonLabels "alertname" }}`,
  redefined: `{{ define "__subject" }}[{{ .Status }}] {{ .CommonLabels.alertname }}{{ end }}{{ template "slack.default.title" . }}|{{ template "email.default.subject" . }}`,
};

function amtool(text: string, payload: NotificationInput, glob = join(DEBIAN_TEMPLATES, '*.tmpl')): string {
  const data = join(work, 'data.json');
  writeFileSync(data, JSON.stringify(payload));
  return execFileSync(AMTOOL, ['template', 'render', `--template.glob=${glob}`, `--template.data=${data}`, `--template.text=${text}`], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
}

const alertwire = (text: string, payload: NotificationInput) =>
  renderTemplate(text, notificationData(payload), { namespace: 'alertmanager', now: new Date('2024-06-01T00:00:00Z') });

// Separates the definitions rendered in one amtool run; no definition prints it.
const SEPARATOR = '\u0001\u0002';

describe('the alertmanager namespace renders as Alertmanager 0.25 does', () => {
  test('amtool and Debian\'s default templates are installed (apt-get install prometheus-alertmanager)', () => {
    assert.ok(existsSync(AMTOOL), `${AMTOOL} is missing`);
    assert.match(execFileSync(AMTOOL, ['--version'], { encoding: 'utf8' }), /version 0\.25\./);
  });

  test('it defines the names Alertmanager defines, but email.default.html', () => {
    const defined = new Set<string>();
    for (const file of ['default.tmpl', 'email.tmpl']) {
      for (const m of readFileSync(join(DEBIAN_TEMPLATES, file), 'utf8').matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)) defined.add(m[1] as string);
    }
    defined.delete('email.default.html');
    assert.deepEqual([...defined].sort(), [...defaultNames('alertmanager')].sort());
  });

  const names = defaultNames('alertmanager');
  for (const [payloadName, payload] of Object.entries(PAYLOADS)) {
    test(`every definition, payload "${payloadName}"`, () => {
      const calls = names.map((n) => `{{ template "${n}" ${LIST_TAKING.has(n) ? '.Alerts' : '.'} }}`);
      const want = amtool(calls.join(SEPARATOR), payload).split(SEPARATOR);
      const got = calls.map((c) => alertwire(c, payload));
      names.forEach((n, i) => assert.equal(got[i], want[i], `${n} (payload ${payloadName})`));
    });
  }

  for (const [name, text] of Object.entries(CORPUS)) {
    test(`user template "${name}"`, () => {
      for (const [payloadName, payload] of Object.entries(PAYLOADS)) {
        if (payload.alerts?.length === 0 && name !== 'functions') continue;
        assert.equal(alertwire(text, payload), amtool(text, payload), `payload ${payloadName}`);
      }
    });
  }
});
