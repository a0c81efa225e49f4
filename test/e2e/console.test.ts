/**
 * The console in a real browser: playwright-core drives Debian's Chromium against the real
 * server serving a fresh `vite build` of ui/. Sign in; add a scale receiver, copy its URL, POST
 * an Alertmanager payload to it and see the execution; add a contact point with a condition,
 * Send Test Message to a local sink and see its answer; switch it off and check the sink gets
 * nothing; open an alert's report. Screenshots of every page, at 375 and 1440 px, go to
 * test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_TOKEN, eventually, startApp, type RunningApp } from '../support/app.js';
import { REPO_ROOT } from '../support/child-server.js';
import { startFakeKube, type FakeKube } from '../support/fake-kube.js';
import { startSink, type Sink } from '../notify/sink.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');
const WIDE = { width: 1440, height: 900 };
const NARROW = { width: 375, height: 812 };

/** Under CI a missing browser fails the run; on a laptop without one the suite says why it skips. */
function browserMissing(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const message = `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the console tests`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

/** Builds the console from ui/ into a temp dir, so the test serves what the sources say now. */
function buildConsole(): string {
  const out = mkdtempSync(join(tmpdir(), 'alertwire-console-build-'));
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(REPO_ROOT, 'ui', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: REPO_ROOT,
    env: { ...process.env, ALERTWIRE_CONSOLE_OUT: out },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return out;
}

function amPayload(labels: Record<string, string>, summary = 'CPU usage is above 80%') {
  return {
    version: '4',
    status: 'firing',
    receiver: 'am',
    groupLabels: {},
    commonLabels: labels,
    commonAnnotations: { summary },
    externalURL: 'http://alertmanager:9093',
    groupKey: '{}',
    alerts: [{ status: 'firing', labels, annotations: { summary }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '' }],
  };
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const [label, size] of [['1440', WIDE], ['375', NARROW]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDE);
}

/** Every form control has a label a screen reader can read: the count of those that do not. */
async function unlabelledControls(page: Page): Promise<string[]> {
  // A string runs in the page: this file is checked without the DOM library.
  return page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea')]
    .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map((el) => el.outerHTML.slice(0, 80))`);
}

/** A string expression evaluated in the page (awaited there when it is a promise). */
const inPage = (page: Page, expression: string) => page.evaluate<string | null | undefined>(expression);

/** The control labelled exactly `label` (several labels share words: Name, Namespace, Server name). */
const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** Reads the test's own page text, not the whole DOM: `locator.textContent` with a wait. */
async function textOf(page: Page, testId: string): Promise<string> {
  return (await page.getByTestId(testId).first().textContent({ timeout: 10_000 })) ?? '';
}

const skip = browserMissing();

describe('console in Chromium', { skip }, () => {
  let app: RunningApp;
  let kube: FakeKube;
  let sink: Sink;
  let context: BrowserContext;
  let page: Page;
  let build: string;
  let profile: string;
  const previousDir = process.env.ALERTWIRE_CONSOLE_DIR;
  const web = { kind: 'Deployment' as const, namespace: 'shop', name: 'web' };

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    build = buildConsole();
    process.env.ALERTWIRE_CONSOLE_DIR = build;
    kube = await startFakeKube();
    kube.setReplicas(web, 2);
    sink = await startSink(() => ({ status: 200, body: 'sink says hello' }));
    app = await startApp({ actions: { kubeconfig: kube.kubeconfigPath() } });
    profile = mkdtempSync(join(tmpdir(), 'alertwire-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: WIDE,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await context?.close();
    await app?.stop();
    await kube?.close();
    await sink?.close();
    if (previousDir === undefined) delete process.env.ALERTWIRE_CONSOLE_DIR;
    else process.env.ALERTWIRE_CONSOLE_DIR = previousDir;
    for (const dir of [build, profile]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in with the admin token, by keyboard alone', async () => {
    await page.goto(`${app.url}/`);
    await page.getByRole('heading', { name: 'Sign in to alertwire' }).waitFor();
    await shoot(page, '01-sign-in');
    await page.keyboard.press('Tab');
    assert.equal(await inPage(page, "document.activeElement?.getAttribute('name')"), 'token');
    await page.keyboard.type('wrong-token');
    await page.keyboard.press('Enter');
    await page.getByText('this is not the admin token').waitFor();
    assert.equal(await field(page, 'Admin token').getAttribute('aria-invalid'), 'true');
    await field(page, 'Admin token').fill(ADMIN_TOKEN);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Alerts', exact: true }).waitFor();
    await page.getByText('No alerts yet').waitFor();
    const cookies = await context.cookies(app.url);
    const session = cookies.find((c) => c.name === 'alertwire_session');
    assert.equal(session?.httpOnly, true);
    assert.equal(session?.sameSite, 'Strict');
    assert.equal(await inPage(page, 'document.cookie'), '', 'the session cookie is out of reach of scripts');
    await shoot(page, '02-alerts-empty');
  });

  let hookUrl = '';
  it('adds a scale receiver, shows errors beside their fields, copies its URL and logs the execution of a POST', async () => {
    await page.getByRole('link', { name: 'Receivers' }).click();
    await page.getByText('No receivers yet').waitFor();
    await shoot(page, '03-receivers-empty');
    await page.getByRole('link', { name: 'Add Receiver' }).click();
    await field(page, 'Name').fill('web scale up');
    await field(page, 'Namespace').fill('shop');
    await field(page, 'Workload').fill('web');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('enter the most replicas this receiver may scale to').waitFor();
    assert.equal(await field(page, 'Maximum').getAttribute('aria-invalid'), 'true');
    assert.equal(await inPage(page, "document.activeElement?.getAttribute('aria-invalid')"), 'true', 'focus moves to the first error');
    await field(page, 'Maximum').fill('5');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await field(page, 'Label').fill('severity');
    await field(page, 'Values (one per line)').fill('critical\nwarning');
    assert.deepEqual(await unlabelledControls(page), []);
    await shoot(page, '04-receiver-form');
    await page.getByRole('button', { name: 'Create' }).click();
    hookUrl = await textOf(page, 'receiver-url');
    const token = await textOf(page, 'receiver-token');
    assert.match(hookUrl, new RegExp(`^${app.url}/hooks/rcv_`));
    await page.getByText('credentials:', { exact: false }).first().waitFor();
    await page.getByRole('button', { name: 'Copy URL' }).click();
    await page.getByText('Copied').waitFor();
    assert.equal(await inPage(page, 'navigator.clipboard.readText()'), hookUrl);
    await shoot(page, '05-receiver-created');

    const answer = await fetch(hookUrl, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(amPayload({ alertname: 'HighCPUUsage', severity: 'critical', namespace: 'shop' })) });
    assert.equal(answer.status, 200);
    assert.equal(((await answer.json()) as { decision: string }).decision, 'applied');
    assert.equal(kube.getReplicas(web), 3);

    await page.getByRole('link', { name: 'Open the receiver and its execution log' }).click();
    await page.getByTestId('execution').first().waitFor();
    const execution = (await page.getByTestId('execution').first().textContent()) ?? '';
    assert.match(execution, /applied/);
    assert.match(execution, /before 2, after 3/);
    await shoot(page, '06-receiver-executions');
    await page.getByRole('link', { name: 'Receivers' }).click();
    await page.getByRole('cell', { name: /deployment shop\/web up/ }).waitFor();
    await shoot(page, '07-receivers');
  });

  let contactPointPath = '';
  it('adds a contact point with a condition, previews it, sends a test message and shows the answer', async () => {
    await page.getByRole('link', { name: 'Contact points' }).click();
    await page.getByText('No contact points yet').waitFor();
    await page.getByRole('link', { name: 'New contact point' }).click();
    await field(page, 'Name').fill('ops sink');
    await field(page, 'Webhook URL').fill(`${sink.url}/alerts`);
    await field(page, 'Title').fill('[{{ .Status }}] {{ .CommonLabels.team }}');
    await page.getByRole('button', { name: 'Add condition' }).click();
    await field(page, 'Label').fill('severity');
    await field(page, 'Operator').selectOption({ label: 'Includes values' });
    await field(page, 'Values (one per line)').fill('critical');
    await page.getByTestId('preview-title').getByText('[firing] blue').waitFor();
    assert.deepEqual(await unlabelledControls(page), []);
    await page.getByRole('button', { name: 'Send Test Message' }).click();
    const answer = await textOf(page, 'test-answer');
    assert.match(answer, /Delivered/);
    assert.match(answer, /HTTP 200/);
    assert.match(answer, /sink says hello/);
    assert.equal(sink.received.length, 1);
    assert.match(sink.received[0]?.body ?? '', /TestAlert/);
    await shoot(page, '08-contact-point-form');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Health' }).waitFor();
    contactPointPath = new URL(page.url()).pathname;
    assert.match(contactPointPath, /^\/contact-points\/(?!new$)[^/]+$/);
  });

  it('switched off, the contact point sends nothing; switched on, it sends again', async () => {
    const toggle = page.getByRole('switch', { name: /Notifications/ });
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await toggle.click();
    await page.getByText('Notifications disabled.').waitFor();
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    await shoot(page, '09-contact-point-disabled');
    const before = sink.received.length;
    assert.equal((await app.postWebhook(amPayload({ alertname: 'DiskFull', severity: 'critical', namespace: 'shop' }, 'disk is full'))).status, 200);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(sink.received.length, before, 'a disabled contact point sends nothing');

    await toggle.click();
    await page.getByText('Notifications enabled.').waitFor();
    await app.postWebhook(amPayload({ alertname: 'MemoryHigh', severity: 'critical', namespace: 'shop' }));
    await sink.waitFor(before + 1, 15_000);
    // A warning does not meet the condition: it must not be what arrived.
    assert.ok(sink.received.slice(before).every((r) => !r.body.includes('"severity":"warning"')));
  });

  it('lists alerts live with filters, and opens a report with the actions and notifications', async () => {
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('link', { name: 'HighCPUUsage' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await app.postWebhook(amPayload({ alertname: 'ArrivedLive', severity: 'warning', namespace: 'prod-eu' }));
    await page.getByRole('link', { name: 'ArrivedLive' }).waitFor({ timeout: 10_000 });
    await shoot(page, '10-alerts');

    await field(page, 'Labels').fill('severity=warning namespace=~prod.*');
    await field(page, 'Labels').press('Enter');
    await page.waitForURL(/labels=/);
    await page.getByRole('link', { name: 'HighCPUUsage' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('link', { name: 'ArrivedLive' }).count(), 1);
    await field(page, 'Labels').fill('severity=~"(broken"');
    await field(page, 'Labels').press('Enter');
    await page.getByText(/invalid regular expression/).waitFor();
    assert.equal(await field(page, 'Labels').getAttribute('aria-invalid'), 'true');
    await field(page, 'Labels').fill('');
    await field(page, 'Labels').press('Enter');

    await page.getByRole('link', { name: 'HighCPUUsage' }).click();
    await page.getByRole('heading', { name: 'HighCPUUsage' }).waitFor();
    await page.getByRole('heading', { name: 'Actions taken' }).waitFor();
    await page.getByText(/scaled Deployment shop\/web up from 2 to 3/).waitFor();
    await page.getByRole('img', { name: /firing episode/ }).waitFor();
    await shoot(page, '11-report');

    await page.goto(`${app.url}/alerts`);
    await page.getByRole('link', { name: 'MemoryHigh' }).click();
    await page.getByRole('heading', { name: 'Notifications sent' }).waitFor();
    await page.getByRole('link', { name: /ops-sink|ops sink/ }).first().waitFor({ timeout: 15_000 });
  });

  it('shows deliveries with their attempts, and settings; every page keeps its labels', async () => {
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('link', { name: /TestAlert|MemoryHigh|firing/ }).first().waitFor();
    assert.deepEqual(await unlabelledControls(page), []);
    await shoot(page, '12-deliveries');
    await page.getByRole('link', { name: /TestAlert|MemoryHigh|firing/ }).first().click();
    await page.getByRole('heading', { name: /Attempt 1/ }).waitFor();
    for (const summary of await page.locator('summary').all()) await summary.click();
    await page.getByText(/"receiver":"ops sink"|TestAlert/).first().waitFor();
    await shoot(page, '13-delivery');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Tokens and URL' }).waitFor();
    assert.deepEqual(await unlabelledControls(page), []);
    await shoot(page, '14-settings');
    await page.goto(app.url + contactPointPath);
    await page.getByRole('heading', { name: 'Health' }).waitFor();
    await page.getByText(/% of \d+ in 24 h/).first().waitFor();
    await shoot(page, '15-contact-point-health');
    await page.getByRole('link', { name: 'Contact points' }).click();
    await page.getByRole('link', { name: 'ops sink' }).waitFor();
    await shoot(page, '16-contact-points');
  });

  it('signs out, and the API then refuses the old cookie', async () => {
    const before = await context.cookies(app.url);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to alertwire' }).waitFor();
    const old = before.find((c) => c.name === 'alertwire_session');
    const res = await fetch(`${app.url}/api/v1/receivers`, { headers: { cookie: `alertwire_session=${old?.value}` } });
    assert.equal(res.status, 401);
  });
});
