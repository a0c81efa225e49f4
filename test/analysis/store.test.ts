/** The analysis' reads and writes on both dialects: inputs in bulk, group and alert reports, the list. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { Registry } from 'prom-client';
import { analyzeGroups, type AnalysisDeps } from '../../src/analysis/group-analysis.js';
import { loadKnowledgeBase } from '../../src/analysis/knowledge-base.js';
import { LlmAnalyst } from '../../src/analysis/llm.js';
import { Redactor } from '../../src/analysis/redact.js';
import { loadReportView } from '../../src/analysis/report-view.js';
import { LlmConfig } from '../../src/config/analysis.js';
import type { Alert } from '../../src/model/alert.js';
import type { Store } from '../../src/store/database.js';
import { ingestNotifications } from '../../src/store/ingest.js';
import { listReportRows, loadAnalysisInputs, saveAnalyses, saveReports } from '../../src/store/reports.js';
import { DIALECTS, testDatabase, type TestDatabase } from '../support/dialects.js';

const T0 = Date.UTC(2024, 4, 1, 12);

const alert = (fp: string, labels: Record<string, string>, startsAt: number, status: 'firing' | 'resolved' = 'firing'): Alert => ({
  fingerprint: fp, status, labels, annotations: { value: `${fp}@${startsAt}` }, startsAt, endsAt: status === 'resolved' ? startsAt + 60_000 : null, generatorURL: '', extras: {},
});

for (const dialect of DIALECTS) {
  describe(`analysis storage on ${dialect}`, () => {
    let db: TestDatabase;
    let store: Store;
    let deps: AnalysisDeps;
    before(async () => {
      db = await testDatabase(dialect);
      store = await db.open();
      const llm = new LlmAnalyst(Value.Default(LlmConfig, {}) as typeof LlmConfig.static, new Registry(), () => T0);
      deps = { store, kb: loadKnowledgeBase({ builtin: true, files: [] }), prometheus: null, llm, kubernetes: null, redactor: new Redactor({ defaults: true, patterns: [] }) };
      const options = { dedupWindowMs: 0, maxAttempts: 3, planJobs: () => [], now: () => T0 };
      const n = (alerts: Alert[]) => ({ source: 'webhook', format: 'alertmanager', remoteAddr: '', body: '{}', receivedAt: T0, alerts });
      await ingestNotifications(store, [n([alert('a', { alertname: 'NodeDown', instance: 'n1:9100', node: 'n1' }, T0 - 7_200_000, 'resolved')])], options);
      await ingestNotifications(store, [n([alert('a', { alertname: 'NodeDown', instance: 'n1:9100', node: 'n1' }, T0 - 600_000)])], options);
      await ingestNotifications(store, [n([alert('b', { alertname: 'KubePodNotReady', namespace: 'x', pod: 'p-0', node: 'n1' }, T0 - 300_000)])], options);
    });
    after(async () => {
      await store.close();
      await db.drop();
    });

    it('loads the inputs of a batch in bulk, numbers as numbers', async () => {
      const inputs = await loadAnalysisInputs(store, ['a', 'b'], { occurrencesPerAlert: 10, firingLimit: 100 });
      assert.deepEqual([...inputs.alerts.keys()].sort(), ['a', 'b']);
      assert.deepEqual(inputs.occurrences.get('a')?.map((o) => o.starts_at), [T0 - 600_000, T0 - 7_200_000]);
      assert.equal(typeof inputs.occurrences.get('a')?.[0]?.starts_at, 'number');
      assert.deepEqual(inputs.firing.map((r) => r.fingerprint).sort(), ['a', 'b']);
    });

    it('reads as firing the newest alerts that share any of alertname, instance, namespace or job, up to the limit', async () => {
      const fresh = await testDatabase(dialect);
      const other = await fresh.open();
      try {
        const options = { dedupWindowMs: 0, maxAttempts: 3, planJobs: () => [], now: () => T0 };
        const at = (minutesAgo: number) => T0 - minutesAgo * 60_000;
        const alerts = [
          alert('me', { alertname: 'Slow', instance: 'h1', namespace: 'shop', job: 'api' }, at(50)),
          alert('name1', { alertname: 'Slow', instance: 'h9' }, at(40)),
          alert('inst1', { alertname: 'Other', instance: 'h1' }, at(5)),
          alert('ns1', { alertname: 'Other2', namespace: 'shop' }, at(30)),
          alert('job1', { alertname: 'Other3', job: 'api' }, at(1)),
          alert('job2', { alertname: 'Other4', job: 'api' }, at(45)),
          alert('gone', { alertname: 'Slow', instance: 'h1' }, at(2), 'resolved'),
          alert('stranger', { alertname: 'Else', instance: 'h7', job: 'db' }, at(0)),
        ];
        await ingestNotifications(other, [{ source: 'webhook', format: 'alertmanager', remoteAddr: '', body: '{}', receivedAt: T0, alerts }], options);
        const newest = async (firingLimit: number) =>
          (await loadAnalysisInputs(other, ['me'], { occurrencesPerAlert: 10, firingLimit })).firing.map((r) => r.fingerprint);
        // Newest first, each key's matches merged; resolved and unrelated alerts are not firing neighbours.
        assert.deepEqual(await newest(3), ['job1', 'inst1', 'ns1']);
        assert.deepEqual(await newest(100), ['job1', 'inst1', 'ns1', 'name1', 'job2', 'me']);
      } finally {
        await other.close();
        await fresh.drop();
      }
    });

    it('stores one group analysis and a report per alert, read back as views and as the list', async () => {
      const [result] = await analyzeGroups(deps, [{ id: 'g1', groupKey: 'k', externalURL: '', alerts: [{ fingerprint: 'a', startsAt: T0 - 600_000 }, { fingerprint: 'b', startsAt: T0 - 300_000 }] }], T0);
      assert.ok(result?.ok);
      await saveAnalyses(store, [result.analysis], T0);
      await saveReports(store, result.reports, T0);
      const view = await loadReportView(store, 'b');
      assert.equal(view?.state, 'complete');
      assert.equal(view?.analysis?.group?.id, 'g1');
      assert.equal(view?.analysis?.group?.alertCount, 2);
      assert.deepEqual(view?.analysis?.correlated.map((r) => [r.alertname, r.shared]), [['NodeDown', ['host', 'node']]]);
      const rows = await listReportRows(store, { limit: 10, offset: 0, namespace: 'x' });
      assert.deepEqual(rows.map((r) => [r.fingerprint, r.state, typeof r.updated_at]), [['b', 'complete', 'number']]);
    });
  });
}
