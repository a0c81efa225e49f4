import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUILTIN_KNOWLEDGE, fill, loadKnowledgeBase, readKnowledgeFile, shellQuote } from '../../src/analysis/knowledge-base.js';

describe('the knowledge base', () => {
  const kb = loadKnowledgeBase({ builtin: true, files: [] });
  const entries = readKnowledgeFile(BUILTIN_KNOWLEDGE);

  it('ships at least 50 entries, read at run time from knowledge/ at the package root', () => {
    assert.match(BUILTIN_KNOWLEDGE, /\/knowledge\/alerts\.yaml$/);
    assert.ok(entries.length >= 50, `${entries.length} entries`);
    assert.ok(new Set(entries.flatMap((e) => e.alertnames)).size >= 100);
  });

  it('covers the common kube-prometheus, node-exporter, blackbox and application alerts', () => {
    const names = [
      'KubePodCrashLooping', 'KubePodNotReady', 'KubeDeploymentReplicasMismatch', 'KubeContainerOOMKilled', 'CPUThrottlingHigh',
      'NodeFilesystemSpaceFillingUp', 'TargetDown', 'NodeCPUHighUsage', 'NodeMemoryHighUtilization', 'NodeSystemSaturation',
      'NodeDiskIOSaturation', 'NodeNetworkReceiveErrs', 'BlackboxSslCertificateWillExpireSoon', 'KubeJobFailed',
      'KubePersistentVolumeFillingUp', 'Watchdog', 'HighErrorRate', 'HighLatency', 'BlackboxProbeFailed', 'KubeNodeNotReady',
    ];
    for (const name of names) assert.equal(kb.lookup(name)?.matchedBy, 'alertname', name);
    for (const e of entries) assert.ok(e.summary.length > 0 && (e.causes.length > 0 || e.alertnames.includes('InfoInhibitor')), e.alertnames.join());
  });

  it('matches unknown names by pattern, an exact name first', () => {
    assert.equal(kb.lookup('CheckoutP99LatencyTooHigh')?.matchedBy, 'pattern');
    assert.ok(kb.lookup('CheckoutP99LatencyTooHigh')?.entry.alertnames.includes('HighLatency'));
    assert.equal(kb.lookup('SomethingEntirelyDifferent'), null);
  });

  it("fills the alert's labels into commands, shell-quoted, and marks what is missing", () => {
    assert.deepEqual(fill('kubectl -n {{namespace}} logs {{pod}}', { namespace: 'prod', pod: "a'b" }, shellQuote), { text: "kubectl -n prod logs 'a'\\''b'", complete: true });
    assert.deepEqual(fill('ssh {{host}} df -h {{mountpoint}}', { instance: 'db-1:9100' }, shellQuote), { text: 'ssh db-1 df -h <mountpoint>', complete: false });
    assert.equal(fill('ping {{host}}', { instance: '[fe80::1]:9100' }, shellQuote).text, 'ping fe80::1');
  });

  it('takes user files first, so an entry can be overridden or added', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-'));
    try {
      const file = join(dir, 'ours.yaml');
      writeFileSync(file, `entries:\n  - alertnames: [KubePodCrashLooping, AcmeQueueStuck]\n    layer: application\n    summary: Ours for {{pod}}\n    commands:\n      - { title: Ask the team, run: 'page-team {{namespace}}' }\n`);
      const ours = loadKnowledgeBase({ builtin: true, files: [file] });
      assert.equal(ours.view({ alertname: 'KubePodCrashLooping', pod: 'x', namespace: 'n' })?.summary, 'Ours for x');
      assert.equal(ours.view({ alertname: 'AcmeQueueStuck', namespace: 'n' })?.commands[0]?.run, 'page-team n');
      assert.ok(ours.lookup('TargetDown'), 'the shipped entries remain');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an invalid file, naming the file and the entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-'));
    try {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, 'entries:\n  - alertnames: [X]\n    summary: no layer\n');
      assert.throws(() => readKnowledgeFile(file), /bad\.yaml: \/entries\/0/);
      writeFileSync(file, "entries:\n  - patterns: ['(?<=x)y']\n    layer: application\n    summary: s\n");
      assert.throws(() => readKnowledgeFile(file), /bad\.yaml: \/entries\/0: pattern/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
