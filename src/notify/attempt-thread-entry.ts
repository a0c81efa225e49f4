/**
 * The attempt thread (see attempt-thread.ts): renders, signs and sends the attempts it is
 * given, with its own HTTP agents and OAuth tokens, and answers once per event-loop turn.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { makeAttempt } from './attempt.js';
import type { FromThread, ThreadData, ThreadResult, ToThread } from './attempt-thread.js';
import { loadUndici } from '../lazy-modules.js';
import { runWalCheckpoints } from '../store/wal-checkpoints.js';
import { OAuthTokens } from './auth.js';
import type { SenderDeps, SendingContactPoint } from './sender.js';
import { Transport } from './transport.js';

type Item = Extract<ToThread, { kind: 'attempts' }>['items'][number];

function serve(port: NonNullable<typeof parentPort>, data: ThreadData): void {
  const transport = new Transport(data.policy);
  const oauth = new OAuthTokens(transport);
  let externalUrl = '';
  const deps: SenderDeps = { transport, oauth, externalUrl: () => externalUrl, templates: data.templates, now: () => Date.now() };
  const contactPoints = new Map<string, SendingContactPoint>();
  let results: ThreadResult[] = [];
  let flushQueued = false;

  const answer = (result: ThreadResult) => {
    results.push(result);
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      const items = results;
      results = [];
      port.postMessage({ kind: 'results', items } satisfies FromThread);
    });
  };

  const run = async ({ seq, cp, request }: Item) => {
    try {
      if (cp.settings) contactPoints.set(cp.id, { id: cp.id, version: cp.version, settings: cp.settings });
      const known = contactPoints.get(cp.id);
      if (known?.version !== cp.version) throw new Error(`the attempt thread has no settings for contact point ${cp.id} at version ${cp.version}`);
      answer({ seq, result: await makeAttempt(known, request, deps) });
    } catch (error) {
      answer({ seq, error: error instanceof Error ? error.message : String(error) });
    }
  };

  port.on('message', (message: ToThread) => {
    if (message.kind === 'forget') {
      contactPoints.delete(message.id);
      transport.forget(message.id);
      oauth.invalidate(message.id);
      return;
    }
    externalUrl = message.externalUrl;
    for (const item of message.items) void run(item);
  });
}

/** Checkpoints the SQLite log from here until the first failure, which hands them back to the event loop. */
function checkpoint(port: NonNullable<typeof parentPort>, data: ThreadData): void {
  if (!data.checkpoints) return;
  const stopped = (error: unknown) => {
    checkpoints?.stop();
    port.postMessage({ kind: 'checkpoints-stopped', error: error instanceof Error ? error.message : String(error) } satisfies FromThread);
  };
  let checkpoints: { stop(): void } | null = null;
  try {
    checkpoints = runWalCheckpoints(data.checkpoints, stopped);
  } catch (error) {
    stopped(error);
  }
}

if (!parentPort) throw new Error('attempt-thread-entry runs as a worker thread');
// Made by spawnThread in attempt-thread.ts.
const data = workerData as ThreadData;
serve(parentPort, data);
checkpoint(parentPort, data);
// The thread exists to send: the HTTP client loads now rather than with the first delivery.
void loadUndici();
