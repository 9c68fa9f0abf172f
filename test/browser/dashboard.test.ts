// The dashboard in a real (headless) Chromium against a real Berth, Docker and Caddy: log in,
// create an empty app for git push, deploy from a git repo on loopback, watch the build log,
// restart, change config, roll back, scale (layout and live count), read logs and metrics,
// change the health check and limits in settings, the pages for tokens, users, owners and the
// audit log, each host's certificate on the domains tab, every page at 1280 and 390 px (nothing
// scrolls sideways, status stays visible), destroy. Screenshots go to test/artifacts/.
import { cpSync, mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
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
const EMPTY = 'web-empty';
const appUrl = `http://${APP}.localhost:${new URL(PROXY).port}/`;
const WIDE = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
/** Errors the page logged (an invalid `pattern` attribute is one). */
const consoleErrors: string[] = [];

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

async function openPage(name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

/** Waits for the newest deploy log on the page to end as `status`. */
async function deployEnds(status: string): Promise<void> {
  await expect.poll(() => page.locator('.deploy-log h2 .badge').last().textContent(), { timeout: 90_000, interval: 250 }).toBe(status);
}

/** Goes to a dashboard address and waits until it has drawn (no "Loading…" left). */
async function visit(hash: string): Promise<void> {
  await page.evaluate((h) => (location.hash = h), hash);
  await expect.poll(() => page.getByText(/^(Loading…|Reading)/).count(), { timeout: 20_000 }).toBe(0);
  await page.waitForTimeout(300);
}

/** How far the page scrolls sideways: 0 when it fits. */
const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** Whether the element is drawn wholly inside the viewport's width. */
async function withinWidth(l: Locator): Promise<boolean> {
  const box = await l.boundingBox();
  return box !== null && box.x >= 0 && box.x + box.width <= page.viewportSize()!.width + 0.5;
}

beforeAll(async () => {
  server = await bootServer({ env: { BERTH_METRICS_INTERVAL: '2' } });
  const src = join(scratch, 'src');
  cpSync(join(ROOT, 'examples', 'python-hello'), src, { recursive: true });
  mkdirSync(join(scratch, 'repos'));
  await bareRepoFrom(src, 'main', join(scratch, 'repos'), 'hello.git');
  git = await serveGit(join(scratch, 'repos'));
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: WIDE });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await git?.close();
  await shutdownServer(server, scratch);
});

describe('the dashboard', () => {
  it('serves every asset itself and asks for a login first, with a token by default', async () => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(server.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Log in to Berth' }).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(requests.every((u) => u.startsWith(server.url))).toBe(true);
    // A fresh admin has only a token: that is what the login asks for first.
    expect(await page.getByLabel('API token').isVisible()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-login-1280.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    expect(await sideways()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-login-390.png'), fullPage: true });
    await page.setViewportSize(WIDE);
  });

  it('refuses a wrong password, forgets that error on switching to a token, and logs in with one', async () => {
    await page.getByRole('button', { name: 'Log in with your password' }).click();
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 20_000 }).toContain('wrong user name or password');
    await page.getByRole('button', { name: 'Log in with an API token' }).click();
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.getByLabel('API token').fill(TEST_TOKEN);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Apps' }).isVisible(), { timeout: 20_000 }).toBe(true);
    // The session lives in an HttpOnly cookie: page scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('checks app names in the browser and creates an empty app showing how to git push to it', async () => {
    await openPage('New app');
    const name = page.getByLabel('App name');
    await name.fill('Bad_Name');
    expect(await name.evaluate((el) => (el as HTMLInputElement).validity.patternMismatch)).toBe(true);
    await name.fill(EMPTY);
    expect(await name.evaluate((el) => (el as HTMLInputElement).validity.valid)).toBe(true);
    expect(consoleErrors.filter((e) => /pattern/i.test(e))).toEqual([]);
    await page.getByLabel('Nothing yet: I will git push').check();
    await page.getByRole('button', { name: 'Create app' }).click();
    await expect.poll(() => page.getByTestId('push-commands').textContent(), { timeout: 20_000 }).toMatch(/git remote add berth \S+\ngit push berth main/);
    // The same name again: the server's message, without the owner the user never typed.
    await page.getByRole('button', { name: 'Create app' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 20_000 }).toContain(`${EMPTY} already exists`);
    expect(await page.getByRole('alert').textContent()).not.toContain('default/');
  });

  it('deploys an app from a git repo and streams its build log', async () => {
    await page.reload();
    await expect.poll(() => page.getByLabel('App name').isVisible(), { timeout: 20_000 }).toBe(true);
    await page.getByLabel('App name').fill(APP);
    await page.getByLabel('Git URL').fill(`${git.url}/hello.git`);
    await page.getByLabel('Ref').fill('main');
    await page.getByRole('button', { name: 'Deploy' }).click();
    await expect.poll(() => page.getByTestId('deploy-log').textContent(), { timeout: 30_000 }).toContain('fetching');
    await deployEnds('running');
    expect(await page.getByTestId('deploy-log').textContent()).toMatch(/health check passed|healthy/i);
    expect(await page.getByText(`Live at ${appUrl.replace(/\/$/, '')}`).count()).toBeGreaterThan(0);
  });

  it("opens the app's URL, shows it on the overview and restarts it with a button", async () => {
    expect(await appBody()).toBe('Hello from python-hello!');
    await page.getByRole('link', { name: `Open default/${APP}` }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Processes' }).isVisible(), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => page.locator('.app-head .badge').textContent(), { timeout: 20_000 }).toBe('running');
    await expect.poll(() => page.locator('.card.wide tbody tr').count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole('button', { name: 'Restart', exact: true }).click();
    await deployEnds('running');
    expect(await appBody()).toBe('Hello from python-hello!');
    await openPage('Apps');
    const row = page.getByRole('row').filter({ hasText: APP });
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('running');
    await row.getByRole('link', { name: APP, exact: true }).click();
  });

  it('changes a config var as a new release, masked until revealed; unsetting asks first', async () => {
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
    const logs = await page.locator('.deploy-log').count();
    await page.getByRole('button', { name: 'Unset GREETING' }).click();
    expect(await page.getByRole('group', { name: /Unset GREETING\? The app redeploys/ }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('dl.config').textContent()).toContain('GREETING');
    expect(await page.locator('.deploy-log').count()).toBe(logs);
  });

  it('rolls back with one click', async () => {
    await openTab('Releases');
    await expect.poll(() => page.getByRole('button', { name: 'Roll back to v1' }).count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    await deployEnds('running');
    expect(await appBody()).toBe('Hello from python-hello!');
    await expect.poll(() => page.locator('tr.current').textContent(), { timeout: 20_000 }).toMatch(/v\d/);
  });

  it('scales with each input beside its process and command, and the running count follows', async () => {
    await openTab('Scaling');
    const input = page.getByRole('spinbutton', { name: 'web' });
    const label = page.locator('label[for="scale-web"]');
    const [lb, ib] = [(await label.boundingBox())!, (await input.boundingBox())!];
    // Beside its label on the same line, not pushed to the far side of the page.
    expect(ib.x - (lb.x + lb.width)).toBeLessThan(60);
    expect(Math.abs(ib.y + ib.height / 2 - (lb.y + lb.height / 2))).toBeLessThan(12);
    expect(await page.locator('#cmd-web').isVisible()).toBe(true);
    expect((await page.locator('#cmd-web').textContent())!.trim()).not.toBe('');
    await expect.poll(() => page.locator('[data-type="web"] .live-count').textContent(), { timeout: 20_000 }).toBe('1 running');
    await input.fill('2');
    await page.getByRole('button', { name: 'Scale' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 60_000 }).toContain('web=2');
    expect(await page.getByRole('status').textContent()).toBe('Scaled: web=2');
    // What the API says runs, then what the tab shows: the count follows within seconds.
    const psStates = async () => ((await (await server.fetch(`/api/v1/apps/default%2F${APP}/ps`)).json()) as { type: string; state: string }[]).map((p) => `${p.type}:${p.state}`);
    await expect.poll(psStates, { timeout: 4_000, interval: 200 }).toEqual(['web:running', 'web:running']);
    await expect.poll(() => page.locator('[data-type="web"] .live-count').textContent(), { timeout: 4_000, interval: 200 }).toBe('2 running');
    await openTab('Overview');
    await expect.poll(() => page.locator('.card.wide tbody tr').count(), { timeout: 30_000 }).toBe(2);
  });

  it('says when an address names no tab or page, with links to the real ones', async () => {
    await visit(`#/apps/default/${APP}/nope`);
    expect(await page.getByRole('heading', { name: 'No such tab “nope”' }).isVisible()).toBe(true);
    await page.getByRole('main').getByRole('list').getByRole('link', { name: 'Scaling' }).click();
    await expect.poll(() => page.getByRole('spinbutton', { name: 'web' }).isVisible(), { timeout: 20_000 }).toBe(true);
    await visit('#/nowhere');
    expect(await page.getByRole('heading', { name: 'No such page “nowhere”' }).isVisible()).toBe(true);
    expect(await page.getByRole('main').getByRole('link', { name: 'Apps' }).count()).toBe(1);
  });

  it('streams runtime logs, by process and searchable, and charts CPU and memory', async () => {
    await visit(`#/apps/default/${APP}/logs`);
    await appBody();
    await expect.poll(() => page.getByTestId('runtime-log').textContent(), { timeout: 30_000 }).toContain('GET / ');
    await page.getByLabel('Process').selectOption('web');
    expect(await page.getByTestId('runtime-log').textContent()).toContain('GET / ');
    await page.getByPlaceholder('Search logs').fill('no-such-line');
    await expect.poll(() => page.getByTestId('runtime-log').textContent(), { timeout: 20_000 }).toBe('');
    await openTab('Metrics');
    await expect.poll(async () => (await page.locator('.tab-body').textContent()) ?? '', { timeout: 30_000 }).toMatch(/[1-9]\d* samples/);
    expect(await page.locator('figure.chart svg').count()).toBe(2);
  });

  it('sets the deploy branch and shows the webhook URLs in settings', async () => {
    await openTab('Settings');
    const branch = page.getByLabel('Deploy branch', { exact: true });
    expect(await branch.inputValue()).toBe('main');
    expect(await page.locator('dl.pairs').textContent()).toContain(`/hooks/github/default/${APP}`);
    await branch.fill('release');
    await page.getByRole('button', { name: 'Save branch' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), { timeout: 20_000 }).toContain('Pushes to release deploy');
    await page.getByRole('button', { name: 'Make a webhook secret' }).click();
    await expect.poll(() => page.getByTestId('webhook-secret').textContent(), { timeout: 20_000 }).toMatch(/\S{16,}/);
  });

  it('changes the health check path and memory in settings as a new release, and shows them after the rollout', async () => {
    await visit(`#/apps/default/${APP}/settings`);
    const path = page.getByLabel('Health check path');
    expect(await path.inputValue()).toBe('/health');
    // The browser refuses the obvious before anything is sent.
    const port = page.getByRole('spinbutton', { name: /^Port/ });
    const wasPort = await port.inputValue();
    await port.fill('70000');
    expect(await port.evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow)).toBe(true);
    await port.fill(wasPort);
    // Past this server's ceiling: the server's reason, and nothing rolls out.
    const memory = page.getByRole('spinbutton', { name: /^Memory/ });
    await memory.fill('5000');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 20_000 }).toContain('BERTH_MAX_MEMORY_MB');
    expect(await page.locator('.deploy-log').count()).toBe(0);
    await path.fill('/info');
    await memory.fill('256');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await deployEnds('running');
    await expect.poll(() => page.getByTestId('run-settings').textContent(), { timeout: 20_000 }).toContain('GET /info');
    expect(await page.getByTestId('run-settings').textContent()).toContain('256 MB memory');
    expect(await page.getByLabel('Health check path').inputValue()).toBe('/info');
    expect(await appBody()).toBe('Hello from python-hello!');
    for (const size of [WIDE, PHONE]) {
      await page.setViewportSize(size);
      expect(await sideways()).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-app-settings-rollout-${size.width}.png`), fullPage: true });
    }
    await page.setViewportSize(WIDE);
  });

  it('makes and revokes a token, adds and deletes a user and an owner, and reads the audit log', async () => {
    await openPage('Tokens');
    await page.getByLabel('Token name').fill('browser-test');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.getByTestId('new-token').textContent(), { timeout: 20_000 }).toMatch(/^berth_/);
    await page.getByRole('button', { name: 'Revoke browser-test' }).click();
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'browser-test' }).textContent(), { timeout: 20_000 }).toContain('revoked');

    await openPage('Users');
    await page.getByLabel('User name').fill('webviewer');
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'webviewer' }).count(), { timeout: 20_000 }).toBe(1);
    expect(await page.getByRole('status').textContent()).toContain('berth_');
    await page.getByRole('button', { name: 'Delete webviewer' }).click();
    await page.getByRole('button', { name: 'Delete webviewer' }).click();
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'webviewer' }).count(), { timeout: 20_000 }).toBe(0);

    await openPage('Owners');
    await page.getByLabel('Owner name').fill('webteam');
    await page.getByRole('button', { name: 'Create owner' }).click();
    const card = page.getByRole('region', { name: 'Owner webteam' });
    await expect.poll(() => card.count(), { timeout: 20_000 }).toBe(1);
    // Its notifications: the URL shown as scheme and host only, the signing secret once.
    await card.getByLabel('Webhook URL').fill('https://hooks.example.com/services/T0/B0/secret-token');
    await card.getByRole('button', { name: 'Add notification' }).click();
    await expect.poll(() => card.getByRole('status').textContent(), { timeout: 20_000 }).toContain('signing secret, shown only this once');
    await expect.poll(() => card.textContent(), { timeout: 20_000 }).toContain('webhook to https://hooks.example.com');
    expect(await card.getByRole('group', { name: 'Notifications of webteam' }).locator('li').textContent()).not.toContain('secret-token');
    await card.getByRole('button', { name: 'Delete owner webteam' }).click();
    await card.getByRole('button', { name: 'Delete webteam' }).click();
    await expect.poll(() => card.count(), { timeout: 20_000 }).toBe(0);

    await openPage('Audit');
    await expect.poll(() => page.locator('table.audit tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(3);
    expect(await page.locator('table.audit').textContent()).toContain('admin');
  });

  it("lists each of the app's hosts with its certificate on the domains tab, once the first https request made one", async () => {
    // The local default: Caddy's internal CA, a certificate on the first https request to a host.
    const tab = await browser.newPage({ ignoreHTTPSErrors: true });
    try {
      const res = await tab.goto(`https://${APP}.localhost:${TEST.httpsPort}/`);
      expect(res!.status()).toBe(200);
    } finally {
      await tab.close();
    }
    const row = (host: string) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: host, exact: true }) });
    await expect
      .poll(
        async () => {
          await visit(`#/apps/default/${APP}/overview`);
          await visit(`#/apps/default/${APP}/domains`);
          return row(`${APP}.localhost`).textContent();
        },
        { timeout: 30_000 },
      )
      .toMatch(/https: .+, expires \d{4}-\d\d-\d\d/);
    expect(await row(`${APP}--default.localhost`).textContent()).toContain('no certificate yet (made on the first https request)');
  });

  it("shows the app's add-on, backs it up and drills it from the Backups tab: status, size and the last drill's counts", async () => {
    const a = await server.cli(['addons', 'create', 'postgres', '--app', APP, '--name', 'web-db']);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const w = await server.cli(['addons', 'psql', 'web-db', '--', '-c', 'CREATE TABLE visits (n int); INSERT INTO visits SELECT generate_series(1, 5)']);
    expect(w.code, w.stdout + w.stderr).toBe(0);
    await visit(`#/apps/default/${APP}/addons`);
    const addon = page.getByRole('row').filter({ hasText: 'web-db' });
    await expect.poll(() => addon.textContent(), { timeout: 20_000 }).toMatch(/running/);
    expect(await addon.textContent()).toContain('postgres://web_db:********@');

    await visit(`#/apps/default/${APP}/backups`);
    await page.getByRole('button', { name: 'Back up web-db now' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /^Backup of web-db:/ }).textContent(), { timeout: 120_000 }).toBe('Backup of web-db: done');
    await page.getByRole('button', { name: 'Drill the newest backup of web-db' }).click();
    await expect.poll(() => page.getByRole('heading', { name: /^Drill of web-db:/ }).textContent(), { timeout: 120_000 }).toBe('Drill of web-db: done');
    const source = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'web-db', exact: true }) });
    await expect.poll(() => source.textContent(), { timeout: 20_000 }).toMatch(/ok.*ok 1 tables?, 5 rows, all equal/s);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-backups-1280.png'), fullPage: true });
  });

  it('fits every page at 1280 and 390 px: nothing scrolls sideways, status stays visible', async () => {
    const pages: [string, string][] = [
      ['apps', '#/'],
      ['new', '#/new'],
      ['tokens', '#/tokens'],
      ['users', '#/users'],
      ['owners', '#/owners'],
      ['audit', '#/audit'],
      ['missing', '#/nowhere'],
      ...['overview', 'deploy', 'logs', 'builds', 'releases', 'config', 'scale', 'domains', 'metrics', 'cron', 'addons', 'backups', 'settings', 'nope'].map((t): [string, string] => [`app-${t}`, `#/apps/default/${APP}/${t}`]),
    ];
    const tooWide: string[] = [];
    for (const [name, hash] of pages) {
      for (const size of [WIDE, PHONE]) {
        await page.setViewportSize(size);
        await visit(hash);
        if ((await sideways()) > 0) tooWide.push(`${name} at ${size.width}px`);
        await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}-${size.width}.png`), fullPage: true });
      }
    }
    expect(tooWide).toEqual([]);

    // At phone width: the header stays small, status shows in the list and the app's header,
    // every tab and "Roll back" are on screen.
    await visit('#/');
    expect((await page.locator('header.top').boundingBox())!.height).toBeLessThan(110);
    const badge = page.getByRole('row').filter({ hasText: APP }).locator('.badge');
    expect(await badge.isVisible()).toBe(true);
    expect(await withinWidth(badge)).toBe(true);
    await visit(`#/apps/default/${APP}/releases`);
    expect(await withinWidth(page.locator('.app-head .badge'))).toBe(true);
    for (const tab of await page.getByRole('navigation', { name: 'App sections' }).getByRole('link').all()) expect(await withinWidth(tab)).toBe(true);
    const back = page.getByRole('button', { name: /^Roll back to v/ }).first();
    expect(await withinWidth(back)).toBe(true);
    await page.setViewportSize(WIDE);
  });

  it('has a dark theme', async () => {
    await page.getByRole('button', { name: /^Theme: system/ }).click();
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.body).backgroundColor), { timeout: 20_000 }).toBe('rgb(17, 19, 24)');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-dark-1280.png'), fullPage: true });
  });

  it('destroys the app only after its name is typed', async () => {
    await visit(`#/apps/default/${APP}/settings`);
    const destroy = page.getByRole('button', { name: `Destroy ${APP}` });
    expect(await destroy.isDisabled()).toBe(true);
    await page.getByLabel(`Type ${APP} to confirm`).fill(APP);
    await destroy.click();
    await expect.poll(() => page.getByRole('heading', { name: 'Apps' }).isVisible(), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => page.getByRole('row').filter({ hasText: APP }).count(), { timeout: 20_000 }).toBe(0);
    expect(await containersNamed(`${TEST.prefix}-default-${APP}-`)).toEqual([]);
    const res = await server.fetch(`/api/v1/apps/default%2F${EMPTY}`, { method: 'DELETE' });
    expect(res.status).toBe(200);
  });
});
