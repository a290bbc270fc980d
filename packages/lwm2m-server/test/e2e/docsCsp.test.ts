import type { AddressInfo } from 'node:net';
import { execFile, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { apiHarness } from '../../src/api/testing/apiHarness.js';

/** Chromium (Debian package `chromium`): the Swagger UI must render under the /docs CSP. */
const chromium = ['chromium', 'chromium-browser'].find((bin) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0);

describe('Swagger UI under its Content-Security-Policy', () => {
  it.skipIf(chromium === undefined)('renders every operation in headless Chromium with no CSP violation (skipped without chromium)', async () => {
    const h = await apiHarness();
    try {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = h.app.server.address() as AddressInfo;
      const doc = (await h.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
      const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
      const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
        execFile(
          chromium as string,
          ['--headless', '--no-sandbox', '--disable-gpu', '--enable-logging=stderr', '--v=0', '--virtual-time-budget=10000', '--dump-dom', `http://127.0.0.1:${port}/docs/static/index.html`],
          { timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
          (err, out, errOut) => (err ? reject(err) : resolve({ stdout: out, stderr: errOut })),
        );
      });
      expect(stderr.split('\n').filter((l) => /Content Security Policy/i.test(l))).toEqual([]);
      expect((stdout.match(/opblock-summary-path"/g) ?? []).length).toBe(operations);
    } finally {
      await h.app.close();
    }
  }, 120_000);
});
