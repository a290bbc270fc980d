/**
 * `chainm2m up` behaves as a command: with 50 registered devices and 5 event-stream clients
 * connected, SIGINT stops everything within 5 s, prints `stopped` and exits 0; nothing is left
 * listening afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const BIN = join(ROOT, 'packages/cli/bin/chainm2m.js');
const PASSWORD = 'stop-test-admin-password';
const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-stop-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('chainm2m up stops on Ctrl-C', () => {
  it('stops within 5 s with 5 SSE clients and 50 devices, prints stopped, exits 0', { timeout: 120_000 }, async () => {
    child = spawn(process.execPath, [BIN, 'up', '--data-dir', dataDir, '--api-port', '0', '--bs-port', '0', '--coap-port', '0', '--chain-port', '0', '--sim', '50'], {
      env: { ...process.env, CHAINM2M_ADMIN_PASSWORD: PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const proc = child;
    const exited = new Promise<number | string>((resolve) => {
      proc.on('close', (code, signal) => resolve(code ?? `signal ${signal}`)); // 'close': after its output is read, not just its exit
      // Bounded: a stop that hangs fails here instead of at the test timeout.
      setTimeout(() => resolve('still running'), 15_000).unref();
    });

    await vi.waitFor(() => expect(out).toMatch(/REST API\s+http:\/\/127\.0\.0\.1:\d+/), { timeout: 60_000, interval: 100 });
    const base = /REST API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    const coaps = Number(/LwM2M server\s+coaps:\/\/127\.0\.0\.1:(\d+)/.exec(out)![1]);
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) });
    const { token } = (await login.json()) as { token: string };
    await vi.waitFor(
      async () => {
        const r = await fetch(`${base}/api/clients?limit=100`, { headers: { authorization: `Bearer ${token}` } });
        expect(((await r.json()) as { total: number }).total).toBe(50);
      },
      { timeout: 90_000, interval: 500 },
    );

    const streams: ClientRequest[] = [];
    const connected = await Promise.all(
      Array.from({ length: 5 }, () =>
        new Promise<boolean>((resolve) => {
          const u = new URL(`${base}/api/events`);
          const req = request({ host: u.hostname, port: u.port, path: u.pathname, headers: { authorization: `Bearer ${token}` } }, (res) => {
            res.once('data', () => resolve(true));
            res.on('error', () => undefined);
          });
          req.on('error', () => undefined);
          req.end();
          streams.push(req);
        }),
      ),
    );
    expect(connected).toEqual([true, true, true, true, true]);

    proc.on('exit', (c, sig) => console.log('EXIT', c, sig, Date.now() - t0));
    const t0 = Date.now();
    proc.kill('SIGINT');
    const code = await exited;
    const took = Date.now() - t0;
    for (const s of streams) s.destroy();
    expect({ code, took, tail: out.slice(-300) }).toMatchObject({ code: 0 });
    expect(out, out).toContain('stopped');
    expect(code).toBe(0);
    expect(took).toBeLessThan(5000);
    expect(await udpPortFree(coaps)).toBe(true);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});
