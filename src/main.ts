import { readFile } from 'node:fs/promises';
import { expandGlob } from './config/template-files.js';
import { parseArgs } from 'node:util';
import { credentialsBanner } from './config/credentials.js';
import { limitHeapGrowth } from './observability/heap.js';
import { ConfigError, loadConfig, resolveConfigPath } from './config/load.js';
import { openStore } from './store/database.js';
import { migrateToLatest } from './store/migrations/index.js';
import { SecretKeyMismatch } from './store/secret-key-check.js';
import { createApp } from './server.js';
import { runTemplateRender } from './template/cli.js';

const USAGE = `Usage: alertwire <command> [options]

Commands:
  serve            start the server (default)
  check-config     validate the configuration and exit
  migrate          apply database migrations and exit
  template render --template <file> --data <payload.json> [--name <template>] [--profile alertmanager|grafana]
                   render a Go template against a webhook payload, like amtool

Options:
  --config <file>  configuration file (default: $ALERTWIRE_CONFIG or ./alertwire.yaml if present)
  -h, --help       show this help
`;

async function serve(configPath: string | undefined): Promise<void> {
  limitHeapGrowth();
  const config = loadConfig(configPath);
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

async function migrate(configPath: string | undefined): Promise<void> {
  const config = loadConfig(configPath);
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

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'template') {
    return runTemplateRender(argv.slice(1), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      readFile: (path) => readFile(path, 'utf8'),
      glob: expandGlob,
    });
  }
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: false,
  });
  const command = positionals[0] ?? 'serve';
  const configPath = resolveConfigPath(typeof values.config === 'string' ? values.config : undefined, process.env);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        await serve(configPath);
        return -1;
      case 'check-config':
        loadConfig(configPath);
        process.stdout.write(`${configPath ?? '(no file; defaults and environment)'}: configuration is valid\n`);
        return 0;
      case 'migrate':
        await migrate(configPath);
        return 0;
      default:
        process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`invalid configuration:\n${error.message}\n`);
      return 1;
    }
    if (error instanceof SecretKeyMismatch) {
      process.stderr.write(`cannot start: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// serve keeps running until a signal; every other command ends here.
if (code >= 0) process.exit(code);
