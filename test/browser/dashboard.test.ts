// The dashboard in a real (headless) Chromium against a real Berth, Docker and Caddy: log in,
// deploy from a git repo on loopback, watch the build log, open the app, change config, roll
// back, scale, read logs and metrics, destroy. Screenshots go to test/artifacts/.
import { cpSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootServer, containersNamed, PROXY, ROOT, shutdownServer, TEST, TEST_TOKEN, type TestServer } from '../helpers/berth.js';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.js';
import { bareRepoFrom, serveGit } from '../helpers/git-http.js';

let server: TestServer;
let browser: Browser;
let page: Page;
let git: { url: string; close(): Promise<void> };
const scratch = mkdtempSync(join(tmpdir(), 'berth-web-'));
const APP = 'web-hello';
const appUrl = `http://${APP}.localhost:${new URL(PROXY).port}/`;

/** The body the app answers with through the proxy, read in a second tab as a user would. */
async function appBody(): Promise<string> {
  const tab = await page.context().newPage();
  try {
    const res = await tab.goto(appUrl);
    return (await res!.text()).trim();
  } finally {
    await tab.close();
  }
}

async function openTab(tab: string): Promise<void> {
  await page.getByRole('navigation', { name: 'App sections' }).getByRole('link', { name: tab, exact: true }).click();
}

/** Waits for the newest deploy log on the page to end as `status`. */
async function deployEnds(status: string): Promise<void> {
  await expect.poll(() => page.locator('.deploy-log h2 .badge').last().textContent(), { timeout: 90_000, interval: 250 }).toBe(status);
}

beforeAll(async () => {
  server = await bootServer({ env: { BERTH_METRICS_INTERVAL: '2' } });
  const src = join(scratch, 'src');
  cpSync(join(ROOT, 'examples', 'python-hello'), src, { recursive: true });
  mkdirSync(join(scratch, 'repos'));
  await bareRepoFrom(src, 'main', join(scratch, 'repos'), 'hello.git');
  git = await serveGit(join(scratch, 'repos'));
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
});

afterAll(async () => {
  await browser?.close();
  await git?.close();
  await shutdownServer(server, scratch);
});

describe('the dashboard', () => {
  it('serves every asset itself and asks for a login first', async () => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(server.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Log in to Berth' }).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(requests.every((u) => u.startsWith(server.url))).toBe(true);
  });

  it('refuses a wrong password and logs in with a token', async () => {
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 20_000 }).toContain('wrong user name or password');
    await page.getByRole('button', { name: 'Log in with an API token' }).click();
    await page.getByLabel('API token').fill(TEST_TOKEN);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Apps' }).isVisible(), { timeout: 20_000 }).toBe(true);
    // The session lives in an HttpOnly cookie: page scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('deploys an app from a git repo and streams its build log', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New app' }).click();
    await page.getByLabel('App name').fill(APP);
    await page.getByLabel('Git URL').fill(`${git.url}/hello.git`);
    await page.getByLabel('Ref').fill('main');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await expect.poll(() => page.getByTestId('deploy-log').textContent(), { timeout: 30_000 }).toContain('fetching');
    await deployEnds('running');
    expect(await page.getByTestId('deploy-log').textContent()).toMatch(/health check passed|healthy/i);
    expect(await page.getByText(`Live at ${appUrl.replace(/\/$/, '')}`).count()).toBeGreaterThan(0);
  });

  it("opens the app's URL and shows it on the overview", async () => {
    expect(await appBody()).toBe('Hello from python-hello!');
    await page.getByRole('link', { name: `Open default/${APP}` }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Processes' }).isVisible(), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => page.locator('.app-head .badge').textContent(), { timeout: 20_000 }).toBe('running');
    await expect.poll(() => page.locator('.card.wide tbody tr').count(), { timeout: 20_000 }).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-app.png'), fullPage: true });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Apps' }).click();
    const row = page.getByRole('row').filter({ hasText: APP });
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('running');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-overview.png'), fullPage: true });
    await row.getByRole('link', { name: APP, exact: true }).click();
  });

  it('changes a config var as a new release, masked until revealed', async () => {
    await openTab('Config');
    await page.getByLabel('Key').fill('GREETING');
    await page.getByLabel('Value').fill('Howdy');
    await page.getByRole('button', { name: 'Set', exact: true }).click();
    await deployEnds('running');
    expect(await appBody()).toBe('Howdy!');
    await expect.poll(() => page.locator('dl.config').textContent(), { timeout: 20_000 }).toContain('GREETING');
    expect(await page.locator('dl.config').textContent()).not.toContain('Howdy');
    await page.getByRole('button', { name: 'Reveal values' }).click();
    await expect.poll(() => page.locator('dl.config').textContent(), { timeout: 20_000 }).toContain('Howdy');
  });

  it('rolls back with one click', async () => {
    await openTab('Releases');
    await expect.poll(() => page.getByRole('button', { name: 'Roll back to v1' }).count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await deployEnds('running');
    expect(await appBody()).toBe('Hello from python-hello!');
    await expect.poll(() => page.locator('tr.current').textContent(), { timeout: 20_000 }).toContain('v3');
  });

  it('scales the web process and shows the containers', async () => {
    await openTab('Scaling');
    await page.getByRole('spinbutton', { name: /web/ }).fill('2');
    await page.getByRole('button', { name: 'Scale' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 60_000 }).toContain('web=2');
    await openTab('Overview');
    await expect.poll(() => page.locator('.card.wide tbody tr').count(), { timeout: 30_000 }).toBe(2);
  });

  it('streams runtime logs, searchable, and charts CPU and memory', async () => {
    await openTab('Logs');
    await appBody();
    await expect.poll(() => page.getByTestId('runtime-log').textContent(), { timeout: 30_000 }).toContain('GET / ');
    await page.getByPlaceholder('Search logs').fill('no-such-line');
    await expect.poll(() => page.getByTestId('runtime-log').textContent(), { timeout: 20_000 }).toBe('');
    await openTab('Metrics');
    await expect.poll(async () => (await page.locator('.tab-body').textContent()) ?? '', { timeout: 30_000 }).toMatch(/[1-9]\d* samples/);
    expect(await page.locator('figure.chart svg').count()).toBe(2);
  });

  it('fits a phone-width screen and has a dark theme', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await openTab('Overview');
    await expect.poll(() => page.locator('.card.wide tbody tr').count(), { timeout: 20_000 }).toBe(2);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    await page.getByRole('button', { name: /^Theme: system/ }).click();
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor), { timeout: 20_000 }).toBe('rgb(17, 19, 24)');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-dark.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('destroys the app only after its name is typed', async () => {
    await openTab('Settings');
    const destroy = page.getByRole('button', { name: `Destroy ${APP}` });
    expect(await destroy.isDisabled()).toBe(true);
    await page.getByLabel(`Type ${APP} to confirm`).fill(APP);
    await destroy.click();
    await expect.poll(() => page.getByRole('heading', { name: 'Apps' }).isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByRole('row').filter({ hasText: APP }).count(), { timeout: 20_000 }).toBe(0);
    expect(await containersNamed(`${TEST.prefix}-default-${APP}-`)).toEqual([]);
  });
});
