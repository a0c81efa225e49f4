/** Runs a notify test against the real server on one dialect, with sinks cleaned up after. */
import { startApp, type RunningApp } from '../support/app.js';
import { testDatabase, type TestDatabase } from '../support/dialects.js';
import { startSink, type Responder, type Sink } from './sink.js';

export interface Harness {
  app: RunningApp;
  sink(respond?: Responder): Promise<Sink>;
}

/** Starts an app on `dialect`; `fn` gets it and a sink factory; everything is torn down after. */
export async function withApp(dialect: 'sqlite' | 'postgres', fn: (h: Harness) => Promise<void>, config: Record<string, unknown> = {}): Promise<void> {
  const db: TestDatabase = await testDatabase(dialect);
  const sinks: Sink[] = [];
  const app = await startApp({ database: { url: db.url }, ...config }, { dataDir: db.dataDir });
  try {
    await fn({
      app,
      async sink(respond) {
        const s = await startSink(respond);
        sinks.push(s);
        return s;
      },
    });
  } finally {
    await app.stop();
    await Promise.all(sinks.map((s) => s.close()));
    await db.drop();
  }
}

/** Fast retries for tests: the default schedule's shape, in fractions of a second. */
export const FAST_RETRY = { schedule: [0, 0.2, 0.3], maxAge: 60 };
