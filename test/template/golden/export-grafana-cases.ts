// Writes the input of the Go generator (main.go) for grafana-golden.json: Grafana's
// namespace as Grafana builds it — Alertmanager's default template files, then
// Grafana's own default templates — and one case per definition and fixture.
// Neither template text is kept in the repository: both paths are arguments, and the
// corpus goes to stdout. See regenerate-grafana.sh.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultNames } from '../../../src/template/index.js';
import { GOLDEN_NOW } from './now.js';
import { grafanaCall } from './grafana-cases.js';

const [alertmanagerDir, grafanaFile] = process.argv.slice(2);
if (!alertmanagerDir || !grafanaFile) {
  console.error('usage: export-grafana-cases.ts <dir of Alertmanager default.tmpl and email.tmpl> <file of Grafana default templates>');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const fixtures = JSON.parse(readFileSync(join(here, 'fixtures.json'), 'utf8')) as Record<string, unknown>;
const text = (path: string) => readFileSync(path, 'utf8');
const cases = defaultNames('grafana').flatMap((name) =>
  Object.keys(fixtures).map((fixture) => ({
    name: `${name}/${fixture}`,
    template: grafanaCall(name),
    fixture,
  })),
);
const corpus = {
  now: GOLDEN_NOW,
  defaults: [
    { name: 'default.tmpl', text: text(join(alertmanagerDir, 'default.tmpl')) },
    { name: 'email.tmpl', text: text(join(alertmanagerDir, 'email.tmpl')) },
    { name: 'grafana', text: text(grafanaFile) },
  ],
  fixtures,
  cases,
};
process.stdout.write(JSON.stringify(corpus) + '\n');
