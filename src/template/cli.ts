// `alertwire template render --template <file> --data <json file> [--name <template>]`:
// renders a template against a webhook payload, like `amtool template render`.
// The only part of src/template that touches files and the clock, through `io`.
import { notificationData } from './data.js';
import type { NotificationInput } from './data.js';
import { TemplateError, renderTemplate } from './index.js';

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile: (path: string) => Promise<string>;
  /** The current time for `since` and `time.Now`; defaults to the system clock. */
  now?: () => Date;
}

const USAGE = `usage: alertwire template render --template <file> --data <json file> [--name <defined template>] [--now <RFC 3339 time>] [--vars <json file>]

Renders a Go text/template (Alertmanager and Grafana functions and alertwire's
default templates loaded) against a webhook payload (Alertmanager v4 or Grafana).
`;

interface Parsed {
  template?: string;
  data?: string;
  name?: string;
  now?: string;
  vars?: string;
  help?: boolean;
}

function parseArgs(args: readonly string[]): Parsed | string {
  const out: Parsed = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-h' || arg === '--help') {
      out.help = true;
      continue;
    }
    const m = /^--(template|data|name|now|vars)(?:=(.*))?$/.exec(arg);
    if (!m) return `unknown argument: ${arg}`;
    const key = m[1] as 'template' | 'data' | 'name' | 'now' | 'vars';
    let value = m[2];
    if (value === undefined) {
      value = args[i + 1];
      i++;
      if (value === undefined) return `missing value for --${key}`;
    }
    out[key] = value;
  }
  return out;
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
    io.stdout(renderTemplate(text, data, { name: parsed.name, now, parseName: parsed.template }));
    return 0;
  } catch (e) {
    if (e instanceof TemplateError) {
      io.stderr(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
