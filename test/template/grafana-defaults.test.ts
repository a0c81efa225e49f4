// The grafana namespace against Grafana's own default templates: every definition,
// rendered with each fixture, must equal what Go's text/template rendered with Grafana's
// templates parsed over Alertmanager's (golden/grafana-golden.json, made by
// golden/regenerate-grafana.sh; Grafana's code is not installable, so the generator is
// given Grafana's template text and only its outputs are kept here).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { defaultNames, notificationData, renderTemplate } from '../../src/template/index.js';
import type { NotificationInput } from '../../src/template/index.js';
import { grafanaCall } from './golden/grafana-cases.js';
import { GOLDEN_NOW } from './golden/now.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = JSON.parse(readFileSync(join(here, 'golden/fixtures.json'), 'utf8')) as Record<string, NotificationInput>;
const golden = JSON.parse(readFileSync(join(here, 'golden/grafana-golden.json'), 'utf8')) as {
  cases: { name: string; template: string; output?: string; error?: string }[];
};
const byName = new Map(golden.cases.map((c) => [c.name, c]));

test('the goldens cover every definition of the grafana namespace with every fixture', () => {
  const names = defaultNames('grafana');
  for (const name of ['default.title', 'default.message', '__text_values_list', '__text_alert_list', 'teams.default.message', 'slack.default.title']) {
    assert.ok(names.includes(name), name);
  }
  assert.equal(golden.cases.length, names.length * Object.keys(fixtures).length, 'grafana-golden.json is stale: run golden/regenerate-grafana.sh');
});

for (const name of defaultNames('grafana')) {
  test(`grafana namespace: ${name}`, () => {
    for (const [fixture, input] of Object.entries(fixtures)) {
      const want = byName.get(`${name}/${fixture}`);
      assert.ok(want?.output !== undefined, `no golden output for ${name}/${fixture}: ${want?.error ?? 'run golden/regenerate-grafana.sh'}`);
      assert.equal(want.template, grafanaCall(name));
      const got = renderTemplate(want.template, notificationData(input), { namespace: 'grafana', now: new Date(GOLDEN_NOW) });
      assert.equal(got, want.output, `${name} with fixture ${fixture}`);
    }
  });
}
