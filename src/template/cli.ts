// `alertwire template render --template <file> --data <json file> [--name <template>]
// [--profile alertmanager|grafana] [--templates <glob>]…`: renders a template against a
// webhook payload, like `amtool template render`.
// The only part of src/template that touches files and the clock, through `io`.
import { notificationData } from './data.js';
import type { NotificationInput } from './data.js';
import { TEMPLATE_NAMESPACES, TemplateError, renderTemplate } from './index.js';
import type { NamedText, TemplateNamespace } from './index.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (path: string) => Promise<string>;
  /** The files a glob names, in Go's filepath.Glob order. */
  glob: (pattern: string) => string[];
  /** The current time for `since` and `time.Now`; defaults to the system clock. */
  now?: () => Date;
}

const USAGE = `usage: alertwire template render --template <file> --data <json file> [--name <defined template>]
         [--profile alertmanager|grafana] [--templates <glob>]... [--now <RFC 3339 time>] [--vars <json file>]

Renders a Go text/template (Alertmanager's and Grafana's functions) against a webhook
payload (Alertmanager v4 or Grafana). --profile picks whose default templates it sees:
grafana (the default: Grafana's definitions over Alertmanager's, as a Grafana contact
point sees them) or alertmanager (Alertmanager 0.25's, as the alertmanager and
kubesphere profiles and receivers' http actions see them). --templates loads template
files first, as alertwire.yaml's templates: does; it may be repeated.
`;

interface Parsed {
  profile?: string;
  templates: string[];
  template?: string;
  data?: string;
  name?: string;
  now?: string;
  vars?: string;
  help?: boolean;
}

function parseArgs(args: readonly string[]): Parsed | string {
  const out: Parsed = { templates: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h' || arg === '--help') {
      out.help = true;
      continue;
    }
    const m = /^--(template|data|name|now|vars|profile|templates)(?:=(.*))?$/.exec(arg);
    if (!m) return `unknown argument: ${arg}`;
    const key = m[1] as 'template' | 'data' | 'name' | 'now' | 'vars' | 'profile' | 'templates';
    let value = m[2];
    if (value === undefined) {
      value = args[i + 1];
      i++;
      if (value === undefined) return `missing value for --${key}`;
    }
    if (key === 'templates') out.templates.push(value);
    else out[key] = value;
  }
  if (out.profile !== undefined && !isNamespace(out.profile)) return `--profile: expected one of ${TEMPLATE_NAMESPACES.join(', ')}, got "${out.profile}"`;
  return out;
}

function isNamespace(s: string): s is TemplateNamespace {
  return (TEMPLATE_NAMESPACES as readonly string[]).includes(s);
}

/** The files of every --templates glob, named by base name as alertwire.yaml's are; a glob that names none is an error here. */
async function readLibrary(globs: readonly string[], io: CliIO): Promise<NamedText[] | string> {
  const files: NamedText[] = [];
  for (const glob of globs) {
    const paths = io.glob(glob);
    if (paths.length === 0) return `--templates ${glob}: no file matches`;
    for (const path of paths) files.push({ name: path.split(/[\\/]/).pop() ?? path, text: await io.readFile(path) });
  }
  return files;
}

/** Runs the command; resolves to the process exit code (0 ok, 1 render error, 2 usage). */
export async function runTemplateRender(args: string[], io: CliIO): Promise<number> {
  const rest = args[0] === 'render' ? args.slice(1) : args;
  const parsed = parseArgs(rest);
  if (typeof parsed === 'string') {
    io.stderr(`${parsed}\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout(USAGE);
    return 0;
  }
  if (!parsed.template || !parsed.data) {
    io.stderr(`--template and --data are required\n${USAGE}`);
    return 2;
  }
  const library = await readLibrary(parsed.templates, io).catch((e: unknown) => `cannot read templates: ${(e as Error).message}`);
  if (typeof library === 'string') {
    io.stderr(`${library}\n`);
    return 1;
  }
  let text: string;
  let payload: unknown;
  let vars: Record<string, string> | undefined;
  try {
    text = await io.readFile(parsed.template);
  } catch (e) {
    io.stderr(`cannot read template ${parsed.template}: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    payload = JSON.parse(await io.readFile(parsed.data));
  } catch (e) {
    io.stderr(`cannot read data ${parsed.data}: ${(e as Error).message}\n`);
    return 1;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    io.stderr(`data ${parsed.data}: expected a JSON object (an Alertmanager or Grafana webhook payload)\n`);
    return 1;
  }
  if (parsed.vars) {
    try {
      vars = JSON.parse(await io.readFile(parsed.vars)) as Record<string, string>;
    } catch (e) {
      io.stderr(`cannot read vars ${parsed.vars}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  let now: Date;
  if (parsed.now) {
    now = new Date(parsed.now);
    if (Number.isNaN(now.getTime())) {
      io.stderr(`--now: not a time: ${parsed.now}\n`);
      return 2;
    }
  } else {
    now = io.now ? io.now() : new Date();
  }
  try {
    const data = notificationData(payload as NotificationInput, vars ? { vars } : {});
    const namespace = isNamespace(parsed.profile ?? '') ? (parsed.profile as TemplateNamespace) : undefined;
    io.stdout(renderTemplate(text, data, { name: parsed.name, now, parseName: parsed.template, library, ...(namespace ? { namespace } : {}) }));
    return 0;
  } catch (e) {
    if (e instanceof TemplateError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
