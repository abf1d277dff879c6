import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLinkControl } from '@smsgw/redis';
import { STATUS } from '@smsgw/smpp';
import { encodeGsm7 } from '@smsgw/sms-text';
import { connectTestClient } from '@smsgw/testing';
import { STACK_ADMIN_TOKENS } from './stack';
import { reachesState, useStack } from './use-stack';

/** Debian's chromium (CI installs it from apt); CHROMIUM_PATH for another build. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// The web console in a real headless Chromium against a running gateway: log in, see the link
// bound, drain and resume it, look a delivered message up; a viewer gets no buttons; and no
// script error or failed request on the way.
describe('web console in Chromium', () => {
  let browser: Browser;
  // Registered before useStack's: without Chromium the suite fails at once, saying what to install.
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it with \`apt-get install chromium\` (.ci/run does) or set CHROMIUM_PATH`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  afterAll(async () => browser?.close());

  const env = useStack('e2e-console', { stack: () => ({ admin: true }) });
  /** Console messages of type error and uncaught exceptions, every page of the suite. */
  const problems: string[] = [];

  const open = async (): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${env.stack.adminUrl}/`);
    return page;
  };
  const logIn = async (page: Page, token: string) => {
    await page.fill('#token', token);
    await page.click('#login-form button[type=submit]');
  };
  const cell = (page: Page, smsc: string, col: string) => page.locator(`tr[data-smsc="${smsc}"] td[data-col="${col}"]`);
  const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();

  let operator: Page;

  it('refuses a wrong token on the login screen, then logs an operator in (token kept for the tab only)', async () => {
    operator = await open();
    expect(new URL(operator.url()).pathname).toBe('/console/');
    await logIn(operator, 'not-a-token-of-this-gateway-at-all');
    await expect.poll(() => text(operator, '#login-error')).toBe('This token is not accepted.');
    expect(await operator.isVisible('#top')).toBe(false);

    await logIn(operator, STACK_ADMIN_TOKENS.operator);
    await expect.poll(() => text(operator, '#who')).toBe('e2e-operator (operator)');
    expect(await operator.evaluate('[sessionStorage.length, localStorage.length]')).toEqual([1, 0]);
    // The overview: the link up, nothing dead, and a rate once two polls are in. The link's
    // state reaches the card through the sender's report (every 2 s) and the console's poll
    // (every 2 s): up to ~4 s after the bind, beyond expect.poll's default second.
    await expect.poll(() => text(operator, '[data-card="links-up"] .value'), { timeout: 10_000 }).toBe('1');
    expect(await text(operator, '[data-card="dead-letters"] .value')).toBe('0');
    await expect.poll(() => text(operator, '[data-card="in"] .value'), { timeout: 10_000 }).toMatch(/^\d+\.\d$/);
    // Receipts/s from the senders' count (not dlr-in's entries): a number too, never NaN.
    await expect.poll(() => text(operator, '[data-card="receipts"] .value'), { timeout: 10_000 }).toMatch(/^\d+\.\d$/);
  });

  it('shows link sim bound; Drain empties it (every sender obeys: bound 0), Resume binds it again', async () => {
    await operator.click('nav a[href="#/links"]');
    await expect.poll(async () => Number(await cell(operator, 'sim', 'bound').textContent())).toBeGreaterThan(0);
    expect(await cell(operator, 'sim', 'mode').textContent()).toBe('active');

    await operator.click('tr[data-smsc="sim"] button[data-action="drain"]');
    await expect.poll(() => cell(operator, 'sim', 'mode').textContent()).toBe('draining (by e2e-operator)');
    await expect.poll(() => cell(operator, 'sim', 'senders').textContent(), { timeout: 10_000 }).toMatch(/^sender[\w-]*: draining$/);
    await expect.poll(() => cell(operator, 'sim', 'bound').textContent(), { timeout: 10_000 }).toBe('0');
    // What the page shows is what the senders report.
    const reports = await createLinkControl(env.ns.redis, env.ns.prefix).reports();
    expect(reports.flatMap((r) => r.links.map((l) => [r.instance, l.smsc, l.mode, l.bound]))).toEqual([[expect.stringMatching(/^sender/), 'sim', 'draining', 0]]);
    expect(await operator.locator('tr[data-smsc="sim"] button[data-action="drain"]').count()).toBe(0);

    await operator.click('tr[data-smsc="sim"] button[data-action="resume"]');
    await expect.poll(() => cell(operator, 'sim', 'mode').textContent()).toBe('active (by e2e-operator)');
    await expect.poll(async () => Number(await cell(operator, 'sim', 'bound').textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
  });

  it('looks a delivered message up by its UUID: state and history', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'acmepw' });
    const r = await c.submit({ source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900123', registered_delivery: 1, short_message: encodeGsm7('console test')! });
    expect(r.status).toBe(STATUS.ESME_ROK);
    const id = r.message_id!;
    await reachesState(env, id, 'DELIVERED');
    await c.close();

    await operator.click('nav a[href="#/messages"]');
    await operator.fill('form[data-form="by-id"] input[name="id"]', id);
    await operator.click('form[data-form="by-id"] button[type=submit]');
    await expect.poll(() => text(operator, '[data-result="messages"] [data-field="state"]')).toBe('DELIVERED');
    expect(await text(operator, '[data-result="messages"] h2')).toBe(`Message ${id}`);
    expect(await text(operator, '[data-field="dst"]')).toBe('447700900123');
    const history = await operator.locator('[data-table="history"] td[data-col="state"]').allTextContents();
    // The record starts where the policy-worker wrote it (routed), in time order from there.
    expect(history).toEqual(['ROUTED', 'SUBMITTED', 'DELIVERED']);
    // Ended: nothing to cancel.
    expect(await operator.locator('[data-result="messages"] button[data-action="cancel"]').count()).toBe(0);
    // A message that is not there: the API's answer, shown as text.
    await operator.fill('form[data-form="by-id"] input[name="id"]', '<b>no-such-id</b>');
    await operator.click('form[data-form="by-id"] button[type=submit]');
    await expect.poll(() => text(operator, '[data-result="messages"] .error')).toBe('no message <b>no-such-id</b>');
    expect(await operator.locator('[data-result="messages"] b').count()).toBe(0);
  });

  it('finds a held message by client and destination, and an operator cancels it: DELETED, never sent', async () => {
    const c = await connectTestClient({ host: '127.0.0.1', port: env.stack.ingressPort, systemId: 'acme', password: 'acmepw' });
    // Held an hour (relative schedule_delivery_time): SCHEDULED until then.
    const r = await c.submit({
      source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '447700900999',
      schedule_delivery_time: '000000010000000R', registered_delivery: 0, short_message: encodeGsm7('held')!,
    });
    expect(r.status).toBe(STATUS.ESME_ROK);
    const id = r.message_id!;
    await reachesState(env, id, 'SCHEDULED');
    await c.close();

    await operator.click('nav a[href="#/messages"]');
    await operator.fill('form[data-form="search"] input[name="client"]', 'acme');
    await operator.fill('form[data-form="search"] input[name="destination"]', '+44 7700 900999');
    await operator.click('form[data-form="search"] button[type=submit]');
    await expect.poll(() => operator.locator('[data-result="messages"] tr[data-id] td[data-col="id"]').allTextContents()).toEqual([id]);
    await operator.click(`[data-result="messages"] tr[data-id="${id}"] a`);
    await expect.poll(() => text(operator, '[data-result="messages"] [data-field="state"]')).toBe('SCHEDULED');
    await operator.click('[data-result="messages"] button[data-action="cancel"]');
    await expect.poll(() => text(operator, '[data-result="messages"] [data-field="state"]')).toBe('DELETED');
    expect(await operator.locator('[data-result="messages"] button[data-action="cancel"]').count()).toBe(0);
    expect(env.sim.submits.some((s) => s.destination === '447700900999')).toBe(false);
  });

  it('a viewer sees the links but no Drain, Suspend or Resume button', async () => {
    const viewer = await open();
    await logIn(viewer, STACK_ADMIN_TOKENS.viewer);
    await expect.poll(() => text(viewer, '#who')).toBe('e2e-viewer (viewer)');
    await viewer.click('nav a[href="#/links"]');
    await expect.poll(async () => Number(await cell(viewer, 'sim', 'bound').textContent())).toBeGreaterThan(0);
    expect(await viewer.locator('button[data-action]').count()).toBe(0);
    await viewer.click('#logout');
    expect(await viewer.isVisible('#login-form')).toBe(true);
    expect(await viewer.evaluate('sessionStorage.length')).toBe(0);
  });

  it('no script error and no failed request on any page but the two the suite asked for', async () => {
    for (const page of ['overview', 'links', 'clients', 'messages', 'policy', 'dead-letters']) {
      await operator.click(`nav a[href="#/${page}"]`);
      await expect.poll(() => operator.locator('main h1').first().textContent()).toBeTruthy();
    }
    await operator.waitForTimeout(500);
    // Chromium logs every 4xx answer: the two this suite asked for, and nothing else.
    const asked = [/status of 401 .*\/v1\/whoami\)$/, /status of 404 .*\/v1\/messages\/%3Cb%3Eno-such-id%3C%2Fb%3E\)$/];
    expect(problems.filter((p) => !asked.some((re) => re.test(p)))).toEqual([]);
    expect(asked.map((re) => problems.filter((p) => re.test(p)).length)).toEqual([1, 1]);
  });
});
