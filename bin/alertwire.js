#!/usr/bin/env node
// Runs the compiled CLI. A clone that was not built runs from the TypeScript sources
// through tsx, when the development dependencies are installed; otherwise it says how to build.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'main.js');
const source = join(root, 'src', 'main.ts');
if (existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('alertwire is not built: run "npm ci && npm run build" in its folder (the build needs the development dependencies)\n');
    process.exit(1);
  }
  if (!existsSync(source)) {
    process.stderr.write(`alertwire is not built and has no sources: ${compiled} is missing\n`);
    process.exit(1);
  }
  register();
  await import(pathToFileURL(source).href);
}
