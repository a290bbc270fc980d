/**
 * Fairness under a flood (issue 9): one process floods cookie'd handshakes from 127.0.0.2 as fast as it
 * can for at least FLOOD_MS (20 s, as the issue asks; `DTLS_FLOOD_MS` shortens it) while a device at
 * 127.0.0.1 completes 20 of 20 handshakes, each with an application-data round trip, spread over the
 * flood. The flood goes on until the device is done (on a loaded machine a handshake can take seconds):
 * pacing, not a timing threshold — nothing asserts how fast a handshake is.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { DtlsClient } from '../../src/index.js';
import { KEYS, startEchoServer } from '../helpers/echoServer.js';

const FLOOD_MS = Number(process.env.DTLS_FLOOD_MS ?? 20_000);
const flooder = fileURLToPath(new URL('../helpers/helloFlood.ts', import.meta.url));

describe('handshake flood from one address', () => {
  it(`a device at another address completes 20 of 20 handshakes during a ${FLOOD_MS / 1000} s cookie'd-handshake flood from 127.0.0.2`, async () => {
    const e = await startEchoServer({ maxHandshakesPerSource: 32 });
    // The flooder stops by itself at the latest 120 s after FLOOD_MS; normally the test ends it.
    const child = spawn(process.execPath, ['--import', 'tsx', flooder, String(e.port), String(FLOOD_MS + 120_000)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    let floodOver = false;
    void exited.then(() => (floodOver = true));
    try {
      await vi.waitFor(() => expect(out).toContain('flooding'), { timeout: 20_000 });
      // The flood has filled its source's quota before the device starts.
      await vi.waitFor(() => expect(e.server.stats().drops.capped).toBeGreaterThan(100), { timeout: 20_000, interval: 50 });
      let completed = 0;
      const t0 = performance.now();
      for (let i = 0; i < 20; i++) {
        // Spread over the flood: handshake i starts no earlier than i/25 of the way through.
        const due = t0 + (i * FLOOD_MS) / 25;
        if (performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
        const c = await DtlsClient.connect({ host: '127.0.0.1', port: e.port, identity: 'dev1', key: KEYS.dev1 as Buffer, timeoutMs: 20_000 });
        const reply = new Promise<string>((resolve) => c.onDatagram((d) => resolve(Buffer.from(d.data).toString())));
        await c.send(c.peer, Buffer.from(`ping ${i}`));
        expect(await reply).toBe(`echo:ping ${i}`);
        await c.close();
        if (process.env.DTLS_FLOOD_DEBUG) console.log(i, performance.now() - t0);
        expect(floodOver).toBe(false); // still during the flood
        completed += 1;
      }
      expect(completed).toBe(20);
      const st = e.server.stats();
      // The flood was real and stayed within its quota.
      expect(st.handshakes).toBeLessThanOrEqual(32 + 1);
      expect(st.handshakesCompleted).toBe(20);
      // The flood lasts FLOOD_MS at least.
      const left = t0 + FLOOD_MS - performance.now();
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      expect(floodOver).toBe(false);
      child.kill('SIGTERM');
      await exited;
      const summary = JSON.parse(out.trim().split('\n').pop() as string) as { hellos: number; cookied: number; serverHellos: number };
      if (process.env.DTLS_FLOOD_DEBUG) console.log({ summary, st });
      expect(summary.cookied).toBeGreaterThan(1000);
      expect(summary.serverHellos).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      await e.server.close();
    }
  }, FLOOD_MS + 150_000);
});
