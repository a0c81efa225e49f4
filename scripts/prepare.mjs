// npm's prepare step: builds the server and the console (npm ci in a clone, npm pack,
// npm publish). `npm ci --omit=dev` also runs it, without TypeScript and Vite: then it
// leaves dist/ as it is instead of failing, so a clone built once installs its runtime
// dependencies alone.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const missing = ['typescript/package.json', 'vite/package.json', '@types/node/package.json'].filter((m) => {
  try {
    require.resolve(m);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  console.log(`prepare: development dependencies are not installed (${missing.map((m) => m.split('/package.json')[0]).join(', ')}); dist/ is used as it is`);
  process.exit(0);
}
const result = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
