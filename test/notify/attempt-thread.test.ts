/**
 * Delivery attempts are rendered, signed and sent on a thread of their own: what goes in is a
 * contact point and a stored delivery, what comes out is the body rendered at the first attempt
 * and the attempt's report.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AttemptRequest } from '../../src/notify/attempt.js';
import { AttemptThread } from '../../src/notify/attempt-thread.js';
import { withDefaults, type ContactPointSettings } from '../../src/notify/contact-point.js';
import type { OutboundNotification } from '../../src/notify/outbound.js';
import type { SendingContactPoint } from '../../src/notify/sender.js';
import { urlPolicy } from '../../src/notify/url-policy.js';
import { startSink, type Sink } from './sink.js';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

const outbound: OutboundNotification = {
  receiver: 'thread',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: 'db-1' },
      annotations: { summary: 'disk full' },
      startsAt: Date.UTC(2026, 10, 23, 2, 0, 0),
      endsAt: null,
      generatorURL: '',
      fingerprint: '0123456789abcdef',
      extras: {},
    },
  ],
  groupLabels: {},
  commonLabels: { alertname: 'DiskFull', instance: 'db-1' },
  commonAnnotations: { summary: 'disk full' },
  groupKey: '{}:{}',
  truncatedAlerts: 0,
};

const request = (over: Partial<AttemptRequest> = {}): AttemptRequest => ({
  id: 'msg_thread0001',
  body: null,
  contentType: null,
  notification: JSON.stringify(outbound),
  ...over,
});

describe('attempt thread', () => {
  let sink: Sink;
  let thread: AttemptThread;
  const contactPoint = (version: string, over: Partial<ContactPointSettings> = {}): SendingContactPoint => ({
    id: 'cp-thread',
    version,
    settings: { ...withDefaults({ name: 'thread', url: sink.url, signing: { type: 'hmac', secret: 's3cret' } }), ...over },
  });

  before(async () => {
    sink = await startSink();
    thread = new AttemptThread({ policy: urlPolicy([], []), templates: [], externalUrl: () => 'http://alertwire.example', log: quiet });
  });
  after(async () => {
    await thread.close();
    await sink.close();
  });

  it('renders the body at the first attempt, signs it and sends it; the report and the body come back', async () => {
    const result = await thread.attempt(contactPoint('v1'), request());
    assert.ok('report' in result);
    assert.equal(result.report.verdict, 'success');
    assert.equal(result.report.status, 200);
    const [received] = await sink.waitFor(1);
    assert.equal(received?.body, result.rendered?.body);
    assert.equal(result.rendered?.contentType, 'application/json');
    const body = JSON.parse(received?.body ?? '{}') as { receiver: string; externalURL: string; title: string };
    assert.equal(body.externalURL, 'http://alertwire.example');
    assert.match(body.title, /^\[FIRING:1\]/);
    assert.equal(received?.headers['webhook-id'], 'msg_thread0001');
    const expected = createHmac('sha256', 's3cret').update(received?.body ?? '').digest('hex');
    assert.equal(received?.headers['x-grafana-alerting-signature'], expected);
  });

  it('sends a body it is given as it is, without rendering again', async () => {
    const before = sink.received.length;
    const result = await thread.attempt(contactPoint('v1'), request({ body: '{"kept":true}', contentType: 'application/json' }));
    assert.ok('report' in result);
    assert.equal(result.rendered, undefined);
    const all = await sink.waitFor(before + 1);
    assert.equal(all[before]?.body, '{"kept":true}');
  });

  it('takes the new settings when the contact point changes', async () => {
    const before = sink.received.length;
    await thread.attempt(contactPoint('v2', { headers: { 'X-Team': 'storage' } }), request());
    const all = await sink.waitFor(before + 1);
    assert.equal(all[before]?.headers['x-team'], 'storage');
  });

  it('reports a template that fails instead of failing the attempt', async () => {
    const result = await thread.attempt(contactPoint('v3', { title: '{{ .Nope' }), request());
    assert.ok('templateError' in result);
    assert.match(result.templateError, /title/);
  });

  it('fails the attempts under way when it stops, and the next attempt starts a new thread', async () => {
    const hanging = await startSink(() => ({ status: 200, delayMs: 5000 }));
    try {
      const under = thread.attempt({ ...contactPoint('v4'), settings: { ...contactPoint('v4').settings, url: hanging.url } }, request());
      const failed = assert.rejects(under, /stopped/);
      await hanging.waitFor(1);
      await thread.close();
      await failed;
      const next = await thread.attempt(contactPoint('v4'), request());
      assert.ok('report' in next);
      assert.equal(next.report.verdict, 'success');
    } finally {
      await hanging.close();
    }
  });
});
