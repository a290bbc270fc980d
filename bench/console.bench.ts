/**
 * Web console benchmark, in Debian's headless Chromium (playwright-core):
 * - the shipped bundle (JS + CSS, gzipped) against the 250 KB budget;
 * - time from pressing "Log in" to the fleet page showing its counts and first rows, with 1,000 and
 *   10,000 registered devices (target <= 1 s with 1,000), beside the baseline of the same browser
 *   loading a plain server-rendered HTML table of the same rows (no script);
 * - with 10,000 devices on the fleet page and 100 notifications/s on `/api/events` for 10 s, the
 *   longest main-thread task (PerformanceObserver 'longtask'; target: none over 200 ms).
 * The API is the real `buildApp` (in-memory stores, fake registrations) serving the built console.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { ensureConsoleBuilt } from '../packages/console/build.js';
import { createPasswordVerifier, verifyPassword } from '../packages/chain-adapter/src/index.js';
import { InMemoryAnomalyLog, InMemorySecurityStore, InMemoryUserDirectory, SystemRandom } from '../packages/lwm2m/src/index.js';
import { buildApp, EndpointService, UserService } from '../packages/lwm2m-server/src/index.js';
import { FakeDeviceApi, ManualEventSource } from '../packages/lwm2m-server/src/api/testing/fakeDeviceApi.js';
import { benchRegistration } from './lib/apiBenchServer.js';
import { report } from './lib/stats.js';

/** The little of the page's DOM the measurements read (the bench is type-checked without the DOM library). */
interface BrowserDocument {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
}

const PASSWORD = 'console-bench-password';
const NOTIFY_PER_SEC = 100;
const NOTIFY_SEC = Number(process.env.CONSOLE_BENCH_NOTIFY_SEC ?? 10);
const BUDGET_GZIP_KB = 250;
const TARGET_RENDER_MS = 1000;
const TARGET_LONG_TASK_MS = 200;

async function stack(devicesCount: number, dir: string) {
  const users = new UserService(new InMemoryUserDirectory(), { hash: (p) => createPasswordVerifier(p), verify: verifyPassword });
  await users.add({ username: 'admin', role: 'admin', password: PASSWORD, clearance: 255 });
  const endpoints = new EndpointService(new InMemorySecurityStore(), { bootstrapServerUri: 'coaps://127.0.0.1:5784', serverUri: 'coaps://127.0.0.1:5684', shortServerId: 1, lifetime: 300, binding: 'U', clearance: 0 }, SystemRandom, 'console-bench');
  const devices = new FakeDeviceApi();
  const now = Date.now();
  for (let i = 0; i < devicesCount; i++) devices.registrations.set(`dev-${i}`, benchRegistration(i, now));
  const events = new ManualEventSource();
  const app = await buildApp({
    users,
    endpoints,
    devices,
    anomalies: new InMemoryAnomalyLog('console-bench'),
    events,
    consoleDir: dir,
    jwt: { keys: { algorithm: 'HS256', secret: 'console-bench-secret-that-is-32-bytes!' }, issuer: 'chainm2m', audience: 'chainm2m-api', expiresInSec: 3600 },
  });
  const rows = [...devices.registrations.values()].map((r) => `<tr><td>${r.endpoint}</td><td>online</td><td>${r.binding}</td><td>${r.lwm2mVersion}</td><td>${r.address.address}:${r.address.port}</td></tr>`).join('');
  app.get('/bench/bare-table', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html').send(`<!doctype html><html lang="en"><title>bare</title><table><tbody>${rows}</tbody></table><p id="done">${devicesCount}</p></html>`));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, events, base: `http://127.0.0.1:${port}` };
}

async function firstRender(browser: Browser, base: string, count: number): Promise<{ consoleMs: number; bareMs: number }> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const t0 = Date.now();
  await page.goto(`${base}/bench/bare-table`);
  await page.locator('#done').waitFor();
  const bareMs = Date.now() - t0;
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  const t1 = Date.now();
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForFunction(
    (n: number) => {
      const doc = (globalThis as unknown as { document: BrowserDocument }).document;
      return doc.querySelector('[data-testid="count-total"]')?.textContent === String(n) && doc.querySelectorAll('tr[data-endpoint]').length > 0;
    },
    count,
    { polling: 'raf' },
  );
  const consoleMs = Date.now() - t1;
  await ctx.close();
  return { consoleMs, bareMs };
}

async function underNotifications(browser: Browser, base: string, events: ManualEventSource, count: number): Promise<{ longestTaskMs: number; longTasks: number; notifications: number }> {
  const ctx = await browser.newContext();
  await ctx.addInitScript(() => {
    const w = globalThis as unknown as { __long: number[]; PerformanceObserver: new (cb: (list: { getEntries(): { duration: number }[] }) => void) => { observe(o: { type: string; buffered: boolean }): void } };
    w.__long = [];
    new w.PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  const page = await ctx.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForFunction((n: number) => (globalThis as unknown as { document: BrowserDocument }).document.querySelector('[data-testid="count-total"]')?.textContent === String(n), count);
  await page.getByText('live', { exact: true }).waitFor();
  await page.evaluate(() => {
    (globalThis as unknown as { __long: number[] }).__long = [];
  });
  let sent = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < NOTIFY_PER_SEC / 10; i++) {
      const ep = `dev-${(sent * 7919) % count}`;
      events.emit({ type: 'notification', endpoint: ep, data: { observationId: 'o1', paths: ['/3303/0/5700'], content: { kind: 'singleResource', id: 5700, type: 'float', value: 20 + (sent % 50) / 10 }, at: new Date().toISOString() } });
      sent += 1;
    }
  }, 100);
  // Meanwhile, a person types in the search box.
  await page.getByLabel('Search').pressSequentially('dev-99', { delay: 150 });
  await new Promise((r) => setTimeout(r, NOTIFY_SEC * 1000));
  clearInterval(timer);
  const long = await page.evaluate(() => (globalThis as unknown as { __long: number[] }).__long);
  await ctx.close();
  return { longestTaskMs: Math.round(Math.max(0, ...long)), longTasks: long.length, notifications: sent };
}

async function main(): Promise<void> {
  const dir = await ensureConsoleBuilt();
  const assets = join(dir, 'assets');
  const files = readdirSync(assets).filter((f) => f.endsWith('.js') || f.endsWith('.css'));
  const gzipKb = files.reduce((n, f) => n + gzipSync(readFileSync(join(assets, f))).length, 0) / 1024;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const results: Record<string, unknown> = { bundleGzipKb: Number(gzipKb.toFixed(1)) };
  const summary: string[] = [`bundle: ${gzipKb.toFixed(1)} KB gzipped (budget ${BUDGET_GZIP_KB} KB: ${gzipKb <= BUDGET_GZIP_KB ? 'met' : 'NOT met'})`];
  try {
    for (const count of [1000, 10_000]) {
      const s = await stack(count, dir);
      try {
        await firstRender(browser, s.base, count); // warm the browser's caches once
        const r = await firstRender(browser, s.base, count);
        results[`firstRender${count}`] = r;
        summary.push(`fleet first render, ${count} devices: ${r.consoleMs} ms from "Log in" (plain HTML table of the same rows: ${r.bareMs} ms)${count === 1000 ? `; target <= ${TARGET_RENDER_MS} ms: ${r.consoleMs <= TARGET_RENDER_MS ? 'met' : 'NOT met'}` : ''}`);
        if (count === 10_000) {
          const n = await underNotifications(browser, s.base, s.events, count);
          results['notifications10000'] = n;
          summary.push(
            `10,000 devices + ${NOTIFY_PER_SEC} notifications/s for ${NOTIFY_SEC} s while typing a search: longest task ${n.longestTaskMs} ms (${n.longTasks} tasks over 50 ms); target <= ${TARGET_LONG_TASK_MS} ms: ${n.longestTaskMs <= TARGET_LONG_TASK_MS ? 'met' : 'NOT met'}`,
          );
        }
      } finally {
        await s.app.close();
      }
    }
  } finally {
    await browser.close();
  }
  report('console', results, summary);
}

await main();
