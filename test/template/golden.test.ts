// Conformance: every case of the corpus (golden/cases.ts) must render exactly as
// Go's text/template rendered it (golden/golden.json), or fail with Go's error.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TemplateError, notificationData, renderTemplate } from '../../src/template/index.js';
import type { NotificationInput } from '../../src/template/index.js';
import cases from './golden/cases.js';
import type { GoldenCase } from './golden/cases.js';
import { GOLDEN_NOW } from './golden/now.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = JSON.parse(readFileSync(join(here, 'golden/fixtures.json'), 'utf8')) as Record<string, NotificationInput>;
const golden = JSON.parse(readFileSync(join(here, 'golden/golden.json'), 'utf8')) as {
  go: string;
  cases: { name: string; template: string; output?: string; error?: string }[];
};
const expected = new Map(golden.cases.map((c) => [c.name, c]));

/** JSON as Go's encoding/json decodes it into interface{}: null is nil. */
function goJSON(v: unknown): unknown {
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(goJSON);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = goJSON(x);
    return out;
  }
  return v;
}

export function renderCase(c: GoldenCase): { output?: string; error?: string } {
  let data: unknown;
  if (c.fixture) {
    const fx = fixtures[c.fixture];
    assert.ok(fx, `fixture ${c.fixture}`);
    data = notificationData(fx, c.vars ? { vars: c.vars } : {});
  } else if (c.json !== undefined) {
    data = goJSON(c.json);
  }
  try {
    return { output: renderTemplate(c.template, data, { name: c.exec, extraTemplates: c.extra, now: new Date(GOLDEN_NOW) }) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: e.goMessage };
    throw e;
  }
}

test('the corpus has at least 300 cases, all unique', () => {
  assert.ok(cases.length >= 300, `${cases.length} cases`);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length);
});

for (const c of cases) {
  test(`golden: ${c.name}`, () => {
    const got = renderCase(c);
    if (c.handChecked) {
      assert.deepEqual(got, c.handChecked.output !== undefined ? { output: c.handChecked.output } : { error: c.handChecked.error });
      return;
    }
    const want = expected.get(c.name);
    assert.ok(want, `no golden output for ${c.name}: run test/template/golden/regenerate.sh`);
    assert.equal(want.template, c.template, 'golden.json is stale: run test/template/golden/regenerate.sh');
    assert.deepEqual(got, want.error !== undefined ? { error: want.error } : { output: want.output });
  });
}
