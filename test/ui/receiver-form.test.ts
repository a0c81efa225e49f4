/** Add Receiver: a form per kind, numbers checked before sending, errors keyed like the API's. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyReceiverDraft, parseHeaderLines, receiverInput, type ReceiverDraft } from '../../ui/src/forms/receiver-form.js';

function scaleDraft(change: Partial<ReceiverDraft['scale']> = {}): ReceiverDraft {
  const d = emptyReceiverDraft('scale');
  return { ...d, name: 'web up', scale: { ...d.scale, namespace: 'shop', workload: 'web', max: '10', ...change } };
}

describe('receiver form', () => {
  it('builds the scale action the API takes', () => {
    const { input, errors } = receiverInput({ ...scaleDraft({ step: '2', dryRun: true }), conditions: [{ key: 'severity', operator: 'In', operand: 'critical' }] });
    assert.deepEqual(errors, {});
    assert.deepEqual(input, {
      name: 'web up',
      kind: 'scale',
      enabled: true,
      conditions: [{ key: 'severity', operator: 'In', values: ['critical'] }],
      trigger: { on_resolved: 'nothing' },
      action: { workload: { kind: 'Deployment', namespace: 'shop', name: 'web' }, direction: 'up', dry_run: true, step: 2, min: 1, max: 10, cooldown_up: 60, cooldown_down: 300 },
    });
  });

  it('refuses what the server would refuse, under the same field names', () => {
    const { errors } = receiverInput({ ...scaleDraft({ namespace: 'Shop_1', workload: '', max: '', step: '0', cooldownUp: 'soon' }), name: ' ' });
    assert.deepEqual(Object.keys(errors).sort(), ['action.cooldown_up', 'action.max', 'action.step', 'action.workload.name', 'action.workload.namespace', 'name']);
    assert.equal(errors['action.step'], 'must be at least 1');
    assert.equal(errors['action.cooldown_up'], 'enter a whole number');
  });

  it('wants a maximum at least the minimum', () => {
    assert.equal(receiverInput(scaleDraft({ min: '5', max: '3' })).errors['action.max'], 'must be at least the minimum');
    assert.deepEqual(receiverInput(scaleDraft({ min: '3', max: '3' })).errors, {});
  });

  it('reads a command as one argument per line, with an absolute working directory', () => {
    const d = emptyReceiverDraft('command');
    const ok = receiverInput({ ...d, name: 'restart', command: { argv: '/usr/bin/systemctl\nrestart\n\nweb.service', cwd: '/srv', timeout: '2.5' } });
    assert.deepEqual(ok.input.action, { argv: ['/usr/bin/systemctl', 'restart', 'web.service'], cwd: '/srv', timeout: 2.5 });
    const bad = receiverInput({ ...d, name: 'x', command: { argv: '', cwd: 'relative', timeout: '' } });
    assert.deepEqual(Object.keys(bad.errors).sort(), ['action.argv', 'action.cwd']);
  });

  it('builds an HTTP action with headers and auth', () => {
    const d = emptyReceiverDraft('http');
    const { input, errors } = receiverInput({ ...d, name: 'call', http: { ...d.http, url: 'https://x/{{ .Status }}', headers: 'X-A: 1\nX-B: two: parts', authType: 'bearer', token: 't' } });
    assert.deepEqual(errors, {});
    assert.deepEqual(input.action, { method: 'POST', url: 'https://x/{{ .Status }}', headers: { 'X-A': '1', 'X-B': 'two: parts' }, auth: { type: 'bearer', token: 't' } });
    assert.ok(receiverInput({ ...d, name: 'c', http: { ...d.http, url: 'https://x', authType: 'basic' } }).errors['action.auth.username']);
  });

  it('says which header line is not "Name: value"', () => {
    const errors: Record<string, string> = {};
    assert.deepEqual(parseHeaderLines('Good: 1\nbroken line', 'headers', errors), { Good: '1' });
    assert.equal(errors.headers, '"broken line" is not "Name: value"');
  });
});
