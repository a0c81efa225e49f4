/** The contact point form: every field of the issue, grouped as the seeds group them, and back. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contactPointInput, draftFromContactPoint, emptyContactPointDraft, type ContactPointDraft, type ContactPointView } from '../../ui/src/forms/contact-point-form.js';
import { fieldErrorsFromApi, parseCount } from '../../ui/src/forms/field-errors.js';

function draft(change: (d: ContactPointDraft) => void = () => undefined): ContactPointDraft {
  const d = emptyContactPointDraft();
  d.name = 'ops';
  d.connection.url = 'https://hooks.example/alerts';
  change(d);
  return d;
}

describe('contact point form', () => {
  it('sends the defaults of a plain Grafana webhook', () => {
    const { input, errors } = contactPointInput(draft());
    assert.deepEqual(errors, {});
    assert.deepEqual(input, {
      name: 'ops',
      enabled: true,
      url: 'https://hooks.example/alerts',
      method: 'POST',
      headers: {},
      timeout: 30,
      auth: { type: 'none' },
      tls: {},
      signing: { type: 'none' },
      payload: { profile: 'grafana' },
      title: '{{ template "default.title" . }}',
      message: '{{ template "default.message" . }}',
      maxAlertsMode: 'truncate',
      sendResolved: true,
      maxAlerts: 0,
      grouping: null,
      conditions: [],
    });
  });

  it('maps verification, TLS, HMAC signing, content and conditions', () => {
    const { input, errors } = contactPointInput(
      draft((d) => {
        d.connection.headers = 'Content-Type: text/plain';
        d.verification = { ...d.verification, type: 'header', scheme: 'Token', credentials: 'c' };
        d.tls = { ca: 'PEM', cert: '', key: '', serverName: 'sni', insecureSkipVerify: true };
        d.signing = { type: 'hmac', secret: 's', header: '', timestampHeader: 'X-Ts', secrets: '' };
        d.content = { ...d.content, profile: 'custom', template: '{"a":1}', vars: 'env: prod', maxAlerts: '5', groupBy: 'alertname, team' };
        d.conditions = [{ key: 'severity', operator: 'DoesNotExist', operand: '' }];
      }),
    );
    assert.deepEqual(errors, {});
    assert.deepEqual(input.headers, { 'Content-Type': 'text/plain' });
    assert.deepEqual(input.auth, { type: 'header', scheme: 'Token', credentials: 'c' });
    assert.deepEqual(input.tls, { ca: 'PEM', serverName: 'sni', insecureSkipVerify: true });
    assert.deepEqual(input.signing, { type: 'hmac', secret: 's', timestampHeader: 'X-Ts' });
    assert.deepEqual(input.payload, { profile: 'custom', template: '{"a":1}', vars: { env: 'prod' } });
    assert.equal(input.maxAlerts, 5);
    assert.deepEqual(input.grouping, { groupBy: ['alertname', 'team'] });
    assert.deepEqual(input.conditions, [{ key: 'severity', operator: 'DoesNotExist' }]);
  });

  it('names every missing or malformed field', () => {
    const { errors } = contactPointInput(
      draft((d) => {
        d.name = '';
        d.connection.url = 'ftp://x';
        d.connection.timeout = '-1';
        d.verification.type = 'basic';
        d.signing.type = 'standard';
        d.content.profile = 'custom';
        d.content.maxAlerts = 'many';
      }),
    );
    assert.deepEqual(Object.keys(errors).sort(), ['auth.password', 'auth.username', 'maxAlerts', 'name', 'payload.template', 'signing.secrets', 'timeout', 'url']);
  });

  it('accepts a templated URL', () => {
    assert.deepEqual(contactPointInput(draft((d) => (d.connection.url = '{{ .CommonLabels.hook }}'))).errors, {});
  });

  it('loads a saved contact point into the form and sends "[set]" secrets back untouched', () => {
    const saved: ContactPointView = {
      id: 'ops', name: 'ops', enabled: false, provisioned: false, url: 'https://h', method: 'PUT',
      auth: { type: 'bearer', token: '[set]' }, headers: { 'X-A': '1' }, tls: {}, signing: { type: 'hmac', secret: '[set]', header: 'X-Sig' },
      payload: { profile: 'kubesphere' }, title: 't', message: 'm', maxAlerts: 3, maxAlertsMode: 'split', sendResolved: false, timeout: 5,
      conditions: [{ key: 'severity', operator: 'In', values: ['critical', 'page'] }], grouping: { groupBy: ['alertname'], groupWait: 30, groupInterval: 300, repeatInterval: 14400 },
    };
    const d = draftFromContactPoint(saved);
    assert.equal(d.conditions[0]?.operand, 'critical\npage');
    const { input, errors } = contactPointInput(d);
    assert.deepEqual(errors, {});
    assert.deepEqual(input.auth, { type: 'bearer', token: '[set]' });
    assert.deepEqual(input.signing, { type: 'hmac', secret: '[set]', header: 'X-Sig' });
    assert.equal(input.enabled, false);
    assert.equal(input.method, 'PUT');
    assert.deepEqual(input.grouping, { groupBy: ['alertname'] });
  });
});

describe('API errors beside their fields', () => {
  it('splits a receiver answer into fields, and keeps what names no field', () => {
    assert.deepEqual(fieldErrorsFromApi({ detail: 'action.max: must be >= 0; conditions[1].value: invalid regular expression: x' }), {
      'action.max': 'must be >= 0',
      'conditions[1].value': 'invalid regular expression: x',
    });
    assert.deepEqual(fieldErrorsFromApi({ detail: 'Unauthorized: invalid token' }), { '': 'Unauthorized: invalid token' });
    assert.deepEqual(fieldErrorsFromApi({ detail: 'no receiver with id "x"' }), { '': 'no receiver with id "x"' });
  });

  it('uses the field, line and column of a contact point answer', () => {
    assert.deepEqual(fieldErrorsFromApi({ detail: 'title (line 1, column 4): unexpected', field: 'title', message: 'unexpected', line: 1, column: 4 }), { title: 'unexpected (line 1, column 4)' });
  });

  it('reads whole numbers', () => {
    assert.equal(parseCount(' 7 '), 7);
    assert.equal(parseCount('', { fallback: 0 }), 0);
    assert.equal(parseCount('1.5'), 'enter a whole number');
    assert.equal(parseCount('-1', { min: 0 }), 'must be at least 0');
  });
});
