/**
 * The web console in a real browser (Debian's Chromium driven by playwright-core) against a real
 * stack on a dev chain with simulated devices: log in, the fleet follows the event stream, read,
 * write and observe a device, add an endpoint (key shown once), filter anomalies, role limits, an
 * expired token back to the login page; axe-core on every page; screenshots into docs/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SimDevice } from '@chainm2m/client-sim';
import { TokenIssuer } from '@chainm2m/lwm2m-server';
import { loadConfig } from '../../src/config.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DOCS = join(ROOT, 'docs');
const ADMIN_PASSWORD = 'console-admin-password';

let stack: Stack;
let dataDir: string;
let base: string;
let browser: Browser;
const devices: SimDevice[] = [];

interface Keys {
  bsIdentity: string;
  bsPskHex: string;
}

async function api<T>(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
}

async function token(username: string, password: string): Promise<string> {
  return (await api<{ token: string }>('POST', '/api/auth/login', undefined, { username, password })).json.token;
}

async function device(admin: string, endpoint: string): Promise<SimDevice> {
  const keys = (await api<Keys>('POST', '/api/endpoints', admin, { endpoint })).json;
  const d = new SimDevice({ endpoint, bootstrap: { uri: `coaps://127.0.0.1:${stack.ports.bootstrap}`, identity: keys.bsIdentity, key: new Uint8Array(Buffer.from(keys.bsPskHex, 'hex')) } });
  await d.bootstrap();
  await d.register();
  devices.push(d);
  return d;
}

/** A fresh context per page (its own session storage), as a new browser tab of a new visitor. */
async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  return context.newPage();
}

async function login(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Fleet' }).waitFor();
}

/** axe-core: no serious or critical violation. */
async function accessible(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(DOCS, { recursive: true });
  await page.screenshot({ path: join(DOCS, `console-${name}.png`), fullPage: true });
}

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env['CI']) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium`);

describe.skipIf(!hasChromium)('web console in Chromium (needs /usr/bin/chromium)', () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-console-'));
    const config = loadConfig({ 'data-dir': dataDir, 'bs-port': '0', 'coap-port': '0', 'api-port': '0', 'chain-port': '0' }, {});
    stack = await startStack({ config, env: { CHAINM2M_ADMIN_PASSWORD: ADMIN_PASSWORD, CHAINM2M_PROVENANCE_INTERVAL_MS: '1000' }, log: () => undefined });
    base = `http://127.0.0.1:${stack.ports.api}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const d of devices) await d.stop().catch(() => undefined);
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the console at / with a strict content security policy', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('<div id="app">');
  });

  it('logs in, follows the fleet, reads, writes and observes a device', { timeout: 90_000 }, async () => {
    const admin = await token('admin', ADMIN_PASSWORD);
    await device(admin, 'console-dev-1');
    const second = await device(admin, 'console-dev-2');
    const page = await newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await login(page, 'admin', ADMIN_PASSWORD);
    const row = (ep: string) => page.locator(`tr[data-endpoint="${ep}"]`);
    await row('console-dev-1').waitFor();
    await row('console-dev-2').waitFor();
    await expect.poll(() => page.getByTestId('count-online').textContent()).toBe('2');
    await page.getByText('live', { exact: true }).waitFor();
    await accessible(page, 'fleet');
    await screenshot(page, 'fleet');

    // A device leaves: the fleet follows the event stream without a reload.
    await second.deregister();
    await expect.poll(() => row('console-dev-2').locator('.state').textContent(), { timeout: 10_000 }).toBe('offline');
    expect(await page.getByTestId('count-online').textContent()).toBe('1');

    // Read a temperature.
    await row('console-dev-1').getByRole('link').click();
    await page.getByRole('heading', { name: 'console-dev-1' }).waitFor();
    await page.locator('button[data-path="/3303/0/5700"]').click();
    await page.getByRole('button', { name: 'Read', exact: true }).click();
    await expect.poll(() => page.getByTestId('value').textContent()).toMatch(/^-?\d+(\.\d+)?\s*\(float\)$/);

    // Write the light's on/off and read it back.
    await page.locator('button[data-path="/3311/0/5850"]').click();
    await page.getByLabel(/Value \(boolean\)/).fill('true');
    await page.getByRole('button', { name: 'Write', exact: true }).click();
    await page.getByText('Write: done').waitFor();
    await page.getByRole('button', { name: 'Read', exact: true }).click();
    await expect.poll(() => page.getByTestId('value').textContent()).toBe('true (boolean)');

    // Observe the temperature every second and watch the chart gain points.
    await page.locator('button[data-path="/3303/0/5700"]').click();
    await page.getByLabel(/Value \(float\)/).fill('pmin=0&pmax=1');
    await page.getByRole('button', { name: /Write attributes/ }).click();
    await page.getByText('Write attributes: done').waitFor();
    await page.getByRole('button', { name: 'Observe', exact: true }).click();
    const points = page.locator('figure.chart', { hasText: '/3303/0/5700' }).getByTestId('chart-points');
    await points.waitFor();
    const before = Number(await points.textContent());
    await expect.poll(async () => Number(await points.textContent()), { timeout: 15_000 }).toBeGreaterThan(before + 1);
    await accessible(page, 'device');
    await screenshot(page, 'device');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('adds an endpoint and shows its key once', { timeout: 60_000 }, async () => {
    const page = await newPage();
    await login(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    await page.getByLabel('Endpoint name').fill('console-new-1');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const psk = await page.getByTestId('psk').textContent();
    expect(psk).toMatch(/^[0-9a-f]{32}$/);
    await accessible(page, 'endpoints');
    await screenshot(page, 'endpoints');
    await page.reload();
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    await page.getByRole('cell', { name: 'console-new-1', exact: true }).waitFor();
    expect(await page.getByTestId('secrets').count()).toBe(0);
    expect(await page.content()).not.toContain(psk);

    // Import a CSV with a bad line: the good lines are added, the bad one is named with its reason.
    const csv = ['endpoint,clearance', 'console-imp-1,0', 'console-imp-2,high', 'console-imp-3,2', ''].join('\n');
    await page.setInputFiles('input[type="file"]', { name: 'devices.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const result = page.getByTestId('import-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('Added 2, already present 0, failed 1.');
    expect(await page.getByRole('list', { name: 'Refused lines' }).textContent()).toBe('line 3 (console-imp-2): clearance: must be a non-negative integer');
    await page.getByRole('cell', { name: 'console-imp-3', exact: true }).first().waitFor();
    await page.context().close();
  });

  it('filters anomalies by kind, and new ones appear as they are recorded', { timeout: 60_000 }, async () => {
    const admin = await token('admin', ADMIN_PASSWORD);
    const now = Math.floor(Date.now() / 1000);
    expect((await api('POST', '/api/anomalies', admin, { endpoint: 'console-dev-1', kind: 'tamper-switch', severity: 5, collectedAt: now, value: 'lid opened' })).status).toBeLessThan(300);
    const page = await newPage();
    await login(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Anomalies' }).click();
    await page.locator('tr[data-kind="tamper-switch"]').first().waitFor();
    expect((await api('POST', '/api/anomalies', admin, { endpoint: 'console-dev-1', kind: 'over-temperature', severity: 9, collectedAt: now, value: '81 C' })).status).toBeLessThan(300);
    await page.locator('tr[data-kind="over-temperature"]').first().waitFor({ timeout: 15_000 });
    await page.getByLabel('Kind contains').fill('tamper');
    await expect.poll(() => page.locator('tr[data-kind="over-temperature"]').count()).toBe(0);
    expect(await page.locator('tr[data-kind="tamper-switch"]').count()).toBeGreaterThan(0);
    await accessible(page, 'anomalies');
    await screenshot(page, 'anomalies');
    await page.getByRole('link', { name: 'Status' }).click();
    await page.getByRole('heading', { name: 'Figures' }).waitFor();
    await accessible(page, 'status');
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await accessible(page, 'users');
    await page.context().close();
  });

  it('shows a trust score verified against the chain, and the provenance of what was done', { timeout: 90_000 }, async () => {
    const admin = await token('admin', ADMIN_PASSWORD);
    const evaluated = await api('POST', '/api/trust/evaluations', admin, { subject: 'console-dev-1', score: 0.5, report: 'console e2e: manual check passed' });
    expect(evaluated.status).toBe(201);
    const page = await newPage();
    await login(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('link', { name: 'Trust' }).click();
    await page.getByRole('heading', { name: 'Trust', exact: true }).waitFor();
    await page.getByRole('table', { name: 'Scored subjects' }).getByRole('button', { name: 'console-dev-1' }).click();
    await expect.poll(() => page.getByTestId('trust-score').textContent(), { timeout: 15_000 }).toBe('0.500');
    await page.getByRole('button', { name: 'Verify against the chain' }).click();
    await expect.poll(() => page.getByTestId('trust-verified').textContent(), { timeout: 15_000 }).toMatch(/^Matches: recomputed 0\.500 from 1 evaluations on chain/);
    await accessible(page, 'trust');
    await screenshot(page, 'trust');
    // The fleet and the device page show the score too.
    await page.getByRole('link', { name: 'Fleet' }).click();
    await expect.poll(() => page.locator('tr[data-endpoint="console-dev-1"] td').nth(6).textContent(), { timeout: 15_000 }).toBe('0.50');
    await page.locator('tr[data-endpoint="console-dev-1"]').getByRole('link').click();
    await page.getByText(/Score 0\.500 from 1 evaluations/).waitFor();

    await page.getByRole('link', { name: 'Provenance' }).click();
    await page.getByRole('heading', { name: 'Provenance', exact: true }).waitFor();
    const records = page.getByRole('table', { name: 'Provenance records' }).locator('tr[data-seq]');
    await expect.poll(() => records.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await records.first().getByRole('button').first().click();
    await page.getByTestId('tx-timeline').locator('li').first().waitFor();
    // A record's receipt, checked in the browser: hash, server signature, Merkle proof, root on chain.
    const oldest = page.getByRole('table', { name: 'Provenance records' }).locator('tr[data-seq="1"]');
    await expect
      .poll(
        async () => {
          await oldest.getByRole('button', { name: 'Check' }).click();
          return (await page.getByTestId('receipt-verdict').textContent().catch(() => '')) ?? '';
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toContain('Receipt of record 1: valid');
    const verdict = (await page.getByTestId('receipt-verdict').textContent()) ?? '';
    for (const name of ['record hash', 'server signature', 'Merkle proof', 'anchor on chain', 'signing key']) expect(verdict).toContain(`✓ ${name}`);
    await accessible(page, 'provenance');
    await screenshot(page, 'provenance');
    await page.context().close();
  });

  it('keeps a user out of the admin pages, and sends an expired token back to the login page', { timeout: 60_000 }, async () => {
    const admin = await token('admin', ADMIN_PASSWORD);
    expect((await api('POST', '/api/users', admin, { username: 'viewer', role: 'user', clearance: 0, password: 'viewer-password' })).status).toBe(201);
    const page = await newPage();
    await login(page, 'viewer', 'viewer-password');
    expect(await page.getByRole('link', { name: 'Endpoints' }).count()).toBe(0);
    await page.goto(`${base}/#/endpoints`);
    await page.getByRole('alert').filter({ hasText: 'for administrators' }).waitFor();
    await accessible(page, 'login-denied');

    // A token whose exp has passed (signed with the stack's own secret), as a tab left open overnight.
    const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
    const issuer = new TokenIssuer({ keys: { algorithm: 'HS256', secret }, issuer: 'chainm2m', audience: 'chainm2m-api', expiresInSec: 3600 });
    const expired = issuer.sign({ sub: 'viewer', role: 'user', clearance: 0, stamp: 'stale' }, Date.now() / 1000 - 7200);
    await page.evaluate((t) => {
      (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage.setItem('chainm2m.session', JSON.stringify({ token: t, username: 'viewer', role: 'user', clearance: 0, expiresAt: Date.now() + 3_600_000 }));
    }, expired);
    await page.goto(`${base}/#/fleet`);
    await page.reload();
    await page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: 10_000 });
    await page.getByText(/session ended/).waitFor();
    await accessible(page, 'login');
    await screenshot(page, 'login');
    await page.context().close();
  });
});
