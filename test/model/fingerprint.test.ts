import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { labelsFingerprint } from '../../src/model/fingerprint.js';

/** A slow, obviously-correct FNV-1a 64 to check the limb arithmetic against. */
function referenceFingerprint(labels: Record<string, string>): string {
  const prime = 0x100000001b3n;
  let h = 0xcbf29ce484222325n;
  const add = (bytes: Uint8Array) => {
    for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * prime);
  };
  for (const name of Object.keys(labels).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
    add(Buffer.from(name, 'utf8'));
    add(Uint8Array.of(0xff));
    add(Buffer.from(labels[name] ?? '', 'utf8'));
    add(Uint8Array.of(0xff));
  }
  return h.toString(16).padStart(16, '0');
}

describe('labelsFingerprint (Alertmanager model.LabelSet.Fingerprint)', () => {
  it('is the FNV-1a offset basis for an empty label set', () => {
    assert.equal(labelsFingerprint({}), 'cbf29ce484222325');
  });

  it('matches fingerprints a real Alertmanager 0.25 computed', () => {
    // Captured from GET /api/v2/alerts of prometheus-alertmanager 0.25 (see test/e2e/alertmanager.test.ts).
    for (const [labels, expected] of KNOWN) assert.equal(labelsFingerprint(labels), expected, JSON.stringify(labels));
  });

  it('does not depend on the order labels are given in', () => {
    assert.equal(labelsFingerprint({ b: '2', a: '1' }), labelsFingerprint({ a: '1', b: '2' }));
  });

  it('separates name from value, so moving a boundary changes the fingerprint', () => {
    assert.notEqual(labelsFingerprint({ ab: 'c' }), labelsFingerprint({ a: 'bc' }));
  });

  it('agrees with a BigInt reference on many label sets, including non-ASCII values', () => {
    const samples: Record<string, string>[] = [
      { alertname: 'HighCPUUsage', instance: 'node-1:9100', job: 'node-exporter', severity: 'warning', namespace: 'production' },
      { alertname: 'TestAlert' },
      { alertname: 'Ünïcødé', city: '東京', emoji: '🔥🚒' },
      { a: '' },
      { '': '' },
    ];
    for (let i = 0; i < 300; i++) {
      const labels: Record<string, string> = {};
      for (let j = 0; j < (i % 12) + 1; j++) labels[`l${(i * 7 + j * 13) % 40}`] = `v${(i * 31 + j) % 997}-${'x'.repeat(j)}`;
      samples.push(labels);
    }
    for (const labels of samples) assert.equal(labelsFingerprint(labels), referenceFingerprint(labels), JSON.stringify(labels));
  });

  it('always prints 16 lowercase hex digits', () => {
    for (let i = 0; i < 200; i++) assert.match(labelsFingerprint({ n: String(i) }), /^[0-9a-f]{16}$/);
  });
});

const KNOWN: [Record<string, string>, string][] = [
  [{ alertname: 'Ünïcødé', city: '東京', emoji: '🔥🚒' }, '3265e69bb0dc14c1'],
  [
    { alertname: 'KubePodCrashLooping', container: 'coredns', namespace: 'kube-system', pod: 'coredns-5d78c9869d-abcde', reason: 'CrashLoopBackOff', severity: 'warning' },
    '5384bc30c0225627',
  ],
  [{ alertname: 'x', empty: 'v' }, '8f6ced046425d473'],
  [{ alertname: 'HighCPUUsage', instance: 'node-1:9100', job: 'node-exporter', namespace: 'production', severity: 'warning' }, '947737e3559055bc'],
  [{ alertname: 'TestAlert' }, 'dab43189276e5f48'],
];

describe('label sets as Alertmanager reads them', () => {
  it('drops empty-valued labels before fingerprinting, as Alertmanager does', async () => {
    const { normalizeAlert } = await import('../../src/model/alert.js');
    const withEmpty = normalizeAlert({ labels: { alertname: 'X', e: '' } }, 0, { now: 0 });
    assert.deepEqual(withEmpty.labels, { alertname: 'X' });
    assert.equal(withEmpty.fingerprint, labelsFingerprint({ alertname: 'X' }));
  });

  it('sorts non-ASCII label names by their UTF-8 bytes, as Go does', () => {
    // U+FF21 (3 UTF-8 bytes, EF BC A1) sorts before U+1F600 (F0 9F 98 80) in bytes, after it in UTF-16.
    const labels = { '\u{1F600}': 'a', '\uFF21': 'b' };
    assert.equal(labelsFingerprint(labels), referenceFingerprint(labels));
  });
});
