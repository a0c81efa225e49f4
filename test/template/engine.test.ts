// The public API of src/template: rendering, Grafana's default message as seed 003
// shows it, parse/validation errors with positions, limits, and the CLI.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTemplateRender } from '../../src/template/cli.js';
import {
  TemplateError,
  notificationData,
  parseTemplate,
  renderTemplate,
  validateTemplate,
} from '../../src/template/index.js';
import type { NotificationInput } from '../../src/template/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = JSON.parse(readFileSync(join(here, 'golden/fixtures.json'), 'utf8')) as Record<string, NotificationInput>;
const grafana = fixtures.grafana as NotificationInput;
const am = fixtures.am as NotificationInput;

/**
 * The "message" field of the Grafana webhook example in seed 003. It was taken from a
 * Grafana older than the "Value:" line that Grafana's default message now prints
 * before each alert's labels; otherwise it is Grafana's default message byte for byte.
 */
const SEED_MESSAGE =
  '**Firing**\n\nLabels:\n - alertname = T2\n - team = blue\n - zone = us-1\nAnnotations:\n - description = This is the alert rule checking the second system\n - runbook_url = https://myrunbook.com\n - summary = This is my summary\nSource: https://play.grafana.org/alerting/1afz29v7z/edit\nSilence: https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1\n\nLabels:\n - alertname = T1\n - team = blue\n - zone = eu-1\nAnnotations:\nSource: https://play.grafana.org/alerting/d1rdpdv7k/edit\nSilence: https://play.grafana.org/alerting/silence/new?alertmanager=grafana&matchers=alertname%3DT1%2Cteam%3Dblue%2Czone%3Deu-1\n';

/** Both alerts of the fixture have the values B and C, and Grafana prints them. */
const GRAFANA_MESSAGE = SEED_MESSAGE.replace(/\n\nLabels:/g, '\n\nValue: B=44.23943737541908, C=1\nLabels:');

describe('default templates', () => {
  test('default.message is the seed with each alert\'s values before its labels', () => {
    const out = renderTemplate('{{ template "default.message" . }}', notificationData(grafana));
    assert.equal(out, GRAFANA_MESSAGE);
    assert.equal(out.match(/\nValue: B=44.23943737541908, C=1\nLabels:\n/g)?.length, 2);
  });

  test('the alertmanager namespace has Alertmanager\'s subject and alert list, and no default.message', () => {
    const data = notificationData(am);
    assert.equal(renderTemplate('{{ template "__subject" . }}', data, { namespace: 'alertmanager' }), '[FIRING:2] HighCPU (node)');
    assert.match(
      renderTemplate('{{ template "__text_alert_list" .Alerts.Resolved }}', data, { namespace: 'alertmanager' }),
      /^Labels:\n - alertname = HighCPU\n[^]*\nSource: \n$/,
    );
    assert.throws(() => renderTemplate('{{ template "default.message" . }}', data, { namespace: 'alertmanager' }), /template "default.message" not defined/);
  });

  test('default.title', () => {
    assert.equal(renderTemplate('{{ template "default.title" . }}', notificationData(grafana)), '[FIRING:2]  (blue)');
    assert.equal(renderTemplate('{{ template "default.title" . }}', notificationData(am)), '[FIRING:2, RESOLVED:1] HighCPU (node)');
    const allResolved = notificationData({ ...am, status: 'resolved', alerts: (am.alerts ?? []).map((a) => ({ ...a, status: 'resolved' })) });
    assert.equal(renderTemplate('{{ template "default.title" . }}', allResolved), '[RESOLVED] HighCPU (node)');
  });

  test('firing then resolved sections', () => {
    const out = renderTemplate('{{ template "default.message" . }}', notificationData(am));
    assert.match(out, /^\*\*Firing\*\*\n\nValue: \[no value\]\nLabels:\n - alertname = HighCPU\n/);
    assert.match(out, /\n\n\*\*Resolved\*\*\n\nValue: \[no value\]\nLabels:\n - alertname = HighCPU\n - instance = db-1:9100\n/);
  });

  test('a user template can redefine a default', () => {
    const out = renderTemplate('{{ template "default.title" . }}', notificationData(am), {
      extraTemplates: ['{{ define "default.title" }}custom {{ .Status }}{{ end }}'],
    });
    assert.equal(out, 'custom firing');
  });
});

describe('data', () => {
  test('times print and format as Go does', () => {
    const d = notificationData(am);
    assert.equal(
      renderTemplate('{{ range .Alerts }}{{ .StartsAt }}|{{ .StartsAt.Format "2006-01-02 15:04:05" }}\n{{ end }}', d),
      '2024-01-15 10:30:00 +0000 UTC|2024-01-15 10:30:00\n2024-01-15 11:45:30.123456789 +0200 +0200|2024-01-15 11:45:30\n2024-01-14 22:00:00 +0000 UTC|2024-01-14 22:00:00\n',
    );
  });

  test('labels are KV with SortedPairs, Names, Values and Remove', () => {
    const d = notificationData(am);
    assert.equal(
      renderTemplate('{{ with index .Alerts 0 }}{{ .Labels.Names }} {{ (.Labels.Remove (stringSlice "job")).Values }} {{ .Labels.nope }}|{{ end }}', d),
      '[alertname instance job severity] [HighCPU web-1:9100 critical] |',
    );
  });

  test('vars for custom payloads', () => {
    const d = notificationData(grafana, { vars: { environment: 'prod' } });
    assert.equal(renderTemplate('{{ .Vars.environment }}', d), 'prod');
  });
});

describe('parse errors', () => {
  test('name the template, line and column', () => {
    assert.throws(
      () => parseTemplate('title', 'line one\n{{ if .x }}\n  {{ .y } }}\n{{ end }}'),
      (e: unknown) => {
        assert.ok(e instanceof TemplateError);
        assert.equal(e.kind, 'parse');
        assert.equal(e.templateName, 'title');
        assert.equal(e.line, 3);
        assert.equal(e.column, 9);
        assert.equal(e.message, 'template: title:3:9: unexpected "}" in operand');
        assert.equal(e.goMessage, 'template: title:3: unexpected "}" in operand');
        return true;
      },
    );
  });

  test('validateTemplate returns what the API reports', () => {
    assert.equal(validateTemplate('{{ .CommonLabels.alertname }}', 'title'), null);
    assert.deepEqual(validateTemplate('ok\n{{ nosuch . }}', 'message'), {
      field: 'message',
      line: 2,
      column: 4,
      message: 'template: message:2:4: function "nosuch" not defined',
    });
  });

  test('parsing is cached per text', () => {
    const a = parseTemplate('t', '{{ 1 }}');
    const b = parseTemplate('t', '{{ 1 }}');
    assert.equal(a.execute(undefined), '1');
    assert.equal(b.execute(undefined), '1');
  });
});

describe('execution', () => {
  test('errors name the action and the value', () => {
    assert.throws(
      () => renderTemplate('{{ index .list 5 }}', { list: ['a'] }),
      (e: unknown) =>
        e instanceof TemplateError &&
        e.kind === 'exec' &&
        e.message === 'template: template:1:3: executing "template" at <index .list 5>: error calling index: index out of range: 5',
    );
  });

  test('missing map keys render <no value>', () => {
    assert.equal(renderTemplate('{{ .nope }}', { a: 1 }), '<no value>');
  });

  test('a named template', () => {
    assert.equal(renderTemplate('{{ define "x" }}X{{ . }}{{ end }}', 'y', { name: 'x' }), 'Xy');
    assert.throws(() => renderTemplate('', undefined, { name: 'nope' }), /no template "nope" associated with template "template"/);
  });

  test('since and time.Now use the supplied clock only', () => {
    const d = notificationData(am);
    const now = new Date('2024-01-15T12:00:00Z');
    assert.equal(renderTemplate('{{ since (index .Alerts 0).StartsAt }} {{ time.Now }}', d, { now }), '1h30m0s 2024-01-15 12:00:00 +0000 UTC');
    assert.throws(() => renderTemplate('{{ time.Now }}', d), /no current time was supplied/);
  });
});

describe('limits', () => {
  test('infinite recursion stops at the call depth', () => {
    assert.throws(
      () => renderTemplate('{{ define "loop" }}{{ template "loop" . }}{{ end }}{{ template "loop" . }}', {}),
      (e: unknown) => e instanceof TemplateError && e.kind === 'limit' && /exceeded maximum template depth \(100\)/.test(e.message),
    );
  });

  test('tmpl.Exec recursion is bounded too', () => {
    assert.throws(
      () => renderTemplate('{{ define "r" }}{{ tmpl.Exec "r" . }}{{ end }}{{ template "r" . }}', {}),
      (e: unknown) => e instanceof TemplateError && e.kind === 'limit',
    );
  });

  test('exponential fan-out stops at the step limit', () => {
    const text = '{{ range $.xs }}'.repeat(8) + 'x' + '{{ end }}'.repeat(8);
    const started = Date.now();
    assert.throws(
      () => renderTemplate(text, { xs: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, { limits: { maxSteps: 50_000 } }),
      (e: unknown) => e instanceof TemplateError && e.kind === 'limit' && /evaluation steps/.test(e.message),
    );
    assert.ok(Date.now() - started < 5000);
  });

  test('a range over a huge integer stops at the step limit', () => {
    assert.throws(() => renderTemplate('{{ range 100000000000 }}x{{ end }}', {}), (e: unknown) => e instanceof TemplateError && e.kind === 'limit');
  });

  test('output size', () => {
    assert.throws(
      () => renderTemplate('{{ range 1000 }}0123456789{{ end }}', {}, { limits: { maxOutputSize: 5000 } }),
      (e: unknown) => e instanceof TemplateError && e.kind === 'limit' && /output exceeds/.test(e.message),
    );
    assert.equal(renderTemplate('{{ range 100 }}0123456789{{ end }}', {}, { limits: { maxOutputSize: 5000 } }).length, 1000);
  });
});

// Templates are compiled once into closures that remember, per field reference, what
// the last receiver type needed; these check that the memory never leaks across types
// and that limits are still reported where the tree-walking executor reported them.
describe('compiled templates', () => {
  const data = notificationData(am);

  test('one field reference over structs, pointers, KV maps and plain maps', () => {
    const text =
      '{{ define "s" }}[{{ .Status }}]{{ end }}{{ template "s" . }}{{ range .Alerts }}{{ template "s" . }}{{ template "s" .Labels }}{{ end }}' +
      '{{ template "s" .CommonLabels }}{{ template "s" (coll.Dict "Status" "dict") }}';
    for (let i = 0; i < 3; i++) assert.equal(renderTemplate(text, data), '[firing][firing][][firing][][resolved][][][dict]');
  });

  test('a name that is a field of one type and a method of another', () => {
    const text = '{{ define "v" }}<{{ .Values }}>{{ end }}{{ range .Alerts }}{{ template "v" . }}{{ template "v" .Labels }}{{ end }}';
    const want =
      '<map[]><[HighCPU web-1:9100 node critical]><map[]><[HighCPU web-2:9100 node warning]><map[]><[HighCPU db-1:9100 node critical eu-west-1]>';
    for (let i = 0; i < 3; i++) assert.equal(renderTemplate(text, data), want);
  });

  test('a type without the field still fails after others had it', () => {
    const text = '{{ define "e" }}{{ .Status }}{{ end }}{{ range .Alerts }}{{ template "e" . }}{{ end }}{{ template "e" .Alerts }}';
    for (let i = 0; i < 2; i++) {
      assert.throws(
        () => renderTemplate(text, data),
        (e: unknown) => e instanceof TemplateError && e.message.endsWith("can't evaluate field Status in type templates.ExtendedAlerts"),
      );
    }
  });

  test('limits name the node being executed', () => {
    const steps = (text: string, maxSteps: number) => () => renderTemplate(text, {}, { limits: { maxSteps } });
    assert.throws(steps('{{ range 100 }}{{/* c */}}x{{ end }}', 50), {
      message: 'template: template:1:26: executing "template" at <x>: exceeded the limit of 50 evaluation steps',
    });
    assert.throws(steps('{{ range 100 }}{{ if true }}ab{{ else }}c{{ end }}{{ end }}', 77), {
      message: 'template: template:1:28: executing "template" at <ab>: exceeded the limit of 77 evaluation steps',
    });
  });
});

describe('cli', () => {
  function io(files: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        stdout: (s: string) => out.push(s),
        stderr: (s: string) => err.push(s),
        readFile: async (p: string) => {
          const f = files[p];
          if (f === undefined) throw new Error(`ENOENT: ${p}`);
          return f;
        },
        glob: (pattern: string) => {
          const re = new RegExp(`^${pattern.replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`);
          return Object.keys(files).filter((f) => re.test(f)).sort();
        },
        now: () => new Date('2024-01-15T12:00:00Z'),
      },
    };
  }

  test('renders a template file against a webhook payload', async () => {
    const t = io({ 't.tmpl': '{{ template "default.message" . }}', 'd.json': JSON.stringify(grafana) });
    assert.equal(await runTemplateRender(['render', '--template', 't.tmpl', '--data', 'd.json'], t.io), 0);
    assert.equal(t.out.join(''), GRAFANA_MESSAGE);
  });

  test('--profile picks the namespace, and --templates files redefine defaults before the template', async () => {
    const files = { 't.tmpl': '{{ template "__subject" . }}|{{ template "mine" . }}', 'd.json': JSON.stringify(am), 'lib/a.tmpl': '{{ define "mine" }}a{{ end }}', 'lib/b.tmpl': '{{ define "__subject" }}S:{{ .Status }}{{ end }}' };
    const grafanaRun = io(files);
    assert.equal(await runTemplateRender(['render', '--template', 't.tmpl', '--data', 'd.json', '--templates', 'lib/a.tmpl'], grafanaRun.io), 0);
    assert.equal(grafanaRun.out.join(''), '[FIRING:2, RESOLVED:1] HighCPU (node)|a');
    const amRun = io(files);
    assert.equal(await runTemplateRender(['render', '--template', 't.tmpl', '--data', 'd.json', '--profile=alertmanager', '--templates', 'lib/a.tmpl'], amRun.io), 0);
    assert.equal(amRun.out.join(''), '[FIRING:2] HighCPU (node)|a');
    const redefined = io(files);
    assert.equal(await runTemplateRender(['render', '--template', 't.tmpl', '--data', 'd.json', '--templates', 'lib/*.tmpl'], redefined.io), 0);
    assert.equal(redefined.out.join(''), 'S:firing|a');
    const bad = io(files);
    assert.equal(await runTemplateRender(['render', '--template', 't.tmpl', '--data', 'd.json', '--profile', 'slack'], bad.io), 2);
    assert.match(bad.err.join(''), /--profile: expected one of alertmanager, grafana, got "slack"/);
    const none = io(files);
    assert.equal(await runTemplateRender(['render', '--template', 't.tmpl', '--data', 'd.json', '--templates', 'nope/*.tmpl'], none.io), 1);
    assert.match(none.err.join(''), /--templates nope\/\*\.tmpl: no file matches/);
  });

  test('--name picks a defined template', async () => {
    const t = io({ 't.tmpl': '{{ define "x" }}{{ .Receiver }}{{ end }}', 'd.json': JSON.stringify(am) });
    assert.equal(await runTemplateRender(['render', '--template=t.tmpl', '--data=d.json', '--name', 'x'], t.io), 0);
    assert.equal(t.out.join(''), 'team-ops');
  });

  test('errors go to stderr with a non-zero exit', async () => {
    const t = io({ 'bad.tmpl': '{{ if }}', 'd.json': '{}' });
    assert.equal(await runTemplateRender(['render', '--template', 'bad.tmpl', '--data', 'd.json'], t.io), 1);
    assert.match(t.err.join(''), /template: bad.tmpl:1:\d+: missing value for if/);
    const u = io({});
    assert.equal(await runTemplateRender(['render', '--template', 'x'], u.io), 2);
    assert.equal(await runTemplateRender(['render', '--template', 'x', '--data', 'y'], u.io), 1);
  });
});
