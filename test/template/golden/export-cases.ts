// Writes cases.json, the input of the Go golden generator (main.go): the corpus,
// the fixtures, the default templates and the fixed "now".
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultTexts } from '../../../src/template/index.js';
import cases from './cases.js';
import { GOLDEN_NOW } from './now.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = JSON.parse(readFileSync(join(here, 'fixtures.json'), 'utf8')) as unknown;
const corpus = {
  now: GOLDEN_NOW,
  defaults: defaultTexts('grafana'),
  fixtures,
  cases: cases.map((c) => ({ ...c, skipGo: c.handChecked !== undefined, handChecked: undefined })),
};
writeFileSync(join(here, 'cases.json'), JSON.stringify(corpus, null, 1) + '\n');
console.log(`wrote ${cases.length} cases`);
