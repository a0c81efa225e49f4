// The container recipe, checked without Docker (no daemon, no base images here): the rules a
// linter such as hadolint applies that matter for alertwire, read from the Dockerfile itself.
// The image build itself is checked where Docker is available (docs/deploy.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Instruction {
  op: string;
  args: string;
}

/** Instructions with continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const all = instructions(readFileSync(`${ROOT}Dockerfile`, 'utf8'));
const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
const runtime = all.slice(lastFrom);
const one = (op: string) => runtime.filter((i) => i.op === op);

describe('Dockerfile', () => {
  it('builds in one stage and runs from Node 20 on Debian slim in another', () => {
    const froms = all.filter((i) => i.op === 'FROM');
    assert.ok(froms.length >= 2, 'multi-stage');
    for (const f of froms) assert.match(f.args, /^node:20-bookworm-slim\b/);
    assert.ok(all.slice(0, lastFrom).some((i) => i.op === 'RUN' && /npm ci\b/.test(i.args) && /npm prune --omit=dev/.test(i.args)));
  });

  it('runs as a user without privileges, with the data directory as a volume', () => {
    const [user] = one('USER');
    assert.ok(user, 'USER in the runtime stage');
    assert.doesNotMatch(user.args, /^(0|root)\b/);
    assert.match(one('VOLUME')[0]?.args ?? '', /\/var\/lib\/alertwire/);
    assert.ok(one('ENV').some((e) => /ALERTWIRE_DATA_DIR=\/var\/lib\/alertwire/.test(e.args)));
  });

  it('has a HEALTHCHECK on /health and an exec-form CMD that runs node itself, so SIGTERM drains', () => {
    assert.match(one('HEALTHCHECK')[0]?.args ?? '', /\/health/);
    const cmd = one('CMD');
    assert.equal(cmd.length, 1);
    const argv = JSON.parse(cmd[0]?.args ?? '') as string[];
    assert.equal(argv[0], 'node', 'no npm or shell between the runtime and the server');
    assert.deepEqual(argv.slice(-2), ['dist/main.js', 'serve']);
  });

  it('keeps the build context small', () => {
    const ignored = readFileSync(`${ROOT}.dockerignore`, 'utf8').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});
