import { readFile } from 'node:fs/promises';
import { expandGlob } from './config/template-files.js';
import { parseArgs } from 'node:util';
import { credentialsBanner } from './config/credentials.js';
import { limitHeapGrowth } from './observability/heap.js';
import { ConfigError, loadConfig, resolveConfigPath, type CommandLineSettings } from './config/load.js';
import type { Config } from './config/schema.js';
import { preflight } from './preflight.js';
import { databaseProblem, openStore } from './store/database.js';
import { VERSION } from './version.js';
import { migrateToLatest } from './store/migrations/index.js';
import { createApp } from './server.js';
import { runTemplateRender } from './template/cli.js';

const USAGE = `Usage: alertwire [command] [options]

Commands:
  serve            start the server (the default)
  check-config     validate the configuration, template files and knowledge base, and exit
  migrate          apply database migrations and exit
  template render  render a Go template against a webhook payload, like amtool
  version          print the version

Options:
  --config <file>  configuration file (default: $ALERTWIRE_CONFIG, or ./alertwire.yaml if present)
  -h, --help       show help; "alertwire <command> --help" for a command's options
  -v, --version    print the version
`;

const CONFIG = { config: { type: 'string' } } as const;
const SETTINGS = { ...CONFIG, port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } } as const;

type Options = Record<string, { type: 'string' | 'boolean' }>;

interface Command {
  usage: string;
  options: Options;
  run: (values: Record<string, string | boolean | undefined>) => Promise<number>;
}

const SETTINGS_HELP = `  --config <file>     configuration file
  --port <port>       listen on this port (server.port, ALERTWIRE_PORT)
  --host <address>    listen on this address (server.host, ALERTWIRE_HOST)
  --data-dir <dir>    SQLite database and generated credentials (data_dir, ALERTWIRE_DATA_DIR)`;

const COMMANDS: Record<string, Command> = {
  serve: {
    usage: `Usage: alertwire serve [--config <file>] [--port <port>] [--host <address>] [--data-dir <dir>]\n\nStarts the server.\n\n${SETTINGS_HELP}\n`,
    options: SETTINGS,
    run: async (values) => {
      await serve(configPathOf(values), settingsOf(values));
      return -1;
    },
  },
  'check-config': {
    usage: `Usage: alertwire check-config [--config <file>] [--port <port>] [--host <address>] [--data-dir <dir>]\n\nValidates the configuration as serve would, without the database.\n\n${SETTINGS_HELP}\n`,
    options: SETTINGS,
    run: async (values) => {
      const path = configPathOf(values);
      await checkedConfig(path, settingsOf(values), { database: false });
      process.stdout.write(`${path ?? '(no file; defaults and environment)'}: configuration is valid\n`);
      return 0;
    },
  },
  migrate: {
    usage: 'Usage: alertwire migrate [--config <file>] [--data-dir <dir>]\n\nApplies the database migrations and exits.\n',
    options: { ...CONFIG, 'data-dir': { type: 'string' } },
    run: async (values) => {
      await migrate(configPathOf(values), settingsOf(values));
      return 0;
    },
  },
  version: {
    usage: 'Usage: alertwire version\n',
    options: {},
    run: async () => {
      process.stdout.write(`alertwire ${VERSION}\n`);
      return 0;
    },
  },
};

async function serve(configPath: string | undefined, settings: CommandLineSettings): Promise<void> {
  limitHeapGrowth();
  const config = await checkedConfig(configPath, settings, { database: true });
  const app = await createApp(config);
  try {
    await app.start();
  } catch (error) {
    // Close what start opened (port, pool, workers) so the process can exit with the reason.
    await app.stop().catch(() => undefined);
    throw error;
  }
  if (app.credentials.generated) process.stdout.write(credentialsBanner(app.credentials, app.externalUrl(), config.data_dir));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.http.log.info({ signal }, 'draining');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.http.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function migrate(configPath: string | undefined, settings: CommandLineSettings): Promise<void> {
  const config = loadConfig(configPath, process.env, settings);
  const problem = await databaseProblem(config.database.url, config.data_dir);
  if (problem) throw new Error(problem);
  const store = openStore({
    url: config.database.url,
    dataDir: config.data_dir,
    sqliteSynchronous: config.database.sqlite_synchronous,
    sqliteCacheMib: config.database.sqlite_cache_mib,
    sqliteWalAutocheckpoint: config.database.sqlite_wal_autocheckpoint,
    poolSize: 1,
  });
  try {
    const applied = await migrateToLatest(store);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await store.close();
  }
}

function configPathOf(values: Record<string, string | boolean | undefined>): string | undefined {
  return resolveConfigPath(typeof values.config === 'string' ? values.config : undefined, process.env);
}

function settingsOf(values: Record<string, string | boolean | undefined>): CommandLineSettings {
  const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const settings: CommandLineSettings = {};
  const port = text('port');
  const host = text('host');
  const dataDir = text('data-dir');
  if (port !== undefined) settings.port = port;
  if (host !== undefined) settings.host = host;
  if (dataDir !== undefined) settings.dataDir = dataDir;
  return settings;
}

/** The configuration with every check serve makes before it binds or writes; throws ConfigError listing all problems. */
async function checkedConfig(path: string | undefined, settings: CommandLineSettings, options: { database: boolean }): Promise<Config> {
  const config = loadConfig(path, process.env, settings);
  const issues = await preflight(config, path, options);
  if (issues.length > 0) throw new ConfigError(issues);
  return config;
}

/** Node's parseArgs words its errors for programmers; say what is wrong and how to call the command. */
function usageError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /Option '([^ ']+)[^']*' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional) return `unexpected argument "${positional[1]}"`;
  return message;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'template') return runTemplate(argv.slice(1));
  if (argv[0] === '-v' || argv[0] === '--version') return COMMANDS.version!.run({});
  if (argv[0] === '-h' || argv[0] === '--help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const name = argv[0] === undefined || argv[0].startsWith('-') ? 'serve' : argv[0];
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`alertwire: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const args = name === argv[0] ? argv.slice(1) : argv;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false, strict: true }).values;
  } catch (error) {
    process.stderr.write(`alertwire ${name}: ${usageError(error)}\n${command.usage.split('\n')[0]}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(command.usage);
    return 0;
  }
  try {
    return await command.run(values);
  } catch (error) {
    return reportFailure(name, error);
  }
}

/** One line per problem, no stack trace: these are a user's to fix. ALERTWIRE_DEBUG=1 adds the stack of an unexpected error. */
function reportFailure(command: string, error: unknown): number {
  const verb = command === 'check-config' ? 'invalid configuration' : `cannot ${command === 'serve' ? 'start' : command}`;
  if (error instanceof ConfigError) {
    process.stderr.write(`${verb}:\n${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${verb}: ${message}\n`);
  if (process.env.ALERTWIRE_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}

function runTemplate(args: string[]): Promise<number> {
  return runTemplateRender(args, {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readFile: (path) => readFile(path, 'utf8'),
    glob: expandGlob,
  });
}

const code = await main(process.argv.slice(2));
// serve keeps running until a signal; every other command ends here.
if (code >= 0) process.exit(code);
