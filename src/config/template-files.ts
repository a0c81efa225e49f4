// The `templates:` list of alertwire.yaml: globs of Go template files, as in
// alertmanager.yml. Globs follow Go's filepath.Glob (`*`, `?`, `[...]` within one path
// segment); relative ones are read from the configuration file's directory. Each file is
// parsed under its base name, in glob order, after the default templates, so a file that
// redefines a default name wins, as in Alertmanager.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { validateTemplate } from '../template/index.js';
import type { NamedText } from '../template/index.js';
import type { ConfigIssue } from './load.js';

const META = /[*?[\\]/;

/** Go's filepath.Match for one segment, as a regular expression. */
function segmentPattern(segment: string): RegExp {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) out += escapeRegExp(segment[++i] as string);
    else if (c === '[') {
      const end = segment.indexOf(']', i + 2);
      if (end < 0) throw new Error('syntax error in pattern');
      const body = segment.slice(i + 1, end).replace(/^\^/, '!');
      out += body.startsWith('!') ? `[^${body.slice(1).replace(/\\/g, '\\\\')}]` : `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else out += escapeRegExp(c);
  }
  return new RegExp(`^${out}$`, 'u');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

/** The files a glob names, sorted per directory as Go's Glob sorts them; none is not an error. */
export function expandGlob(pattern: string): string[] {
  const root = isAbsolute(pattern) ? sep : '';
  const segments = pattern.split(/[\\/]+/).filter(Boolean);
  let paths = [root || '.'];
  for (const segment of segments) {
    if (!META.test(segment)) {
      paths = paths.map((p) => join(p, segment));
      continue;
    }
    const re = segmentPattern(segment);
    paths = paths.flatMap((p) => listDirectory(p).filter((name) => re.test(name)).map((name) => join(p, name)));
  }
  return paths.filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/** Globs made absolute against the configuration file's directory (or the working directory without one). */
export function resolveTemplateGlobs(globs: readonly string[], configPath: string | undefined): string[] {
  const base = configPath ? dirname(resolve(configPath)) : process.cwd();
  return globs.map((g) => (isAbsolute(g) ? g : join(base, g)));
}

export interface TemplateFiles {
  files: NamedText[];
  issues: ConfigIssue[];
}

/** Reads and parses every file the globs name; a file that cannot be read or parsed is an issue naming it. */
export function readTemplateFiles(globs: readonly string[]): TemplateFiles {
  const files: NamedText[] = [];
  const issues: ConfigIssue[] = [];
  globs.forEach((glob, i) => {
    const field = `templates[${i}]`;
    let paths: string[];
    try {
      paths = expandGlob(glob);
    } catch (error) {
      issues.push({ source: glob, field, message: `bad glob: ${(error as Error).message}` });
      return;
    }
    for (const path of paths) {
      const file = readTemplateFile(path, field);
      if ('issue' in file) issues.push(file.issue);
      else files.push(file.text);
    }
  });
  return { files, issues };
}

function readTemplateFile(path: string, field: string): { text: NamedText } | { issue: ConfigIssue } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { issue: { source: path, field, message: `cannot read: ${(error as Error).message}` } };
  }
  const name = basename(path);
  const problem = validateTemplate(text, name);
  if (problem) return { issue: { source: path, line: problem.line, column: problem.column, field, message: problem.message } };
  return { text: { name, text } };
}
