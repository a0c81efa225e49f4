// The version of alertwire, read from package.json, which sits one level above both
// src/ (run from source) and dist/ (built).
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
