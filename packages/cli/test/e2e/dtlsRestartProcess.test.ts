/**
 * `chainm2m up` as a process, killed with `kill -9` and (next) stopped with SIGINT, on an external
 * anvil (so only the servers die): a simulated device registered over DTLS before the crash sends its
 * next CoAP request (an Update) over the same DTLS session after each restart; it is answered, the
 * registration still maps to it, and `/metrics` shows no new full handshake.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { SimDevice } from '@chainm2m/client-sim';
import { startAnvil, type AnvilInstance } from '@chainm2m/contracts';
import { DTLS_SESSIONS_FILE } from '../../src/stack/dtlsSessions.js';
import { freePort, MAIN } from './cliProcess.js';

const ADMIN_PASSWORD = 'dtls-crash-admin-pw';
const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-dtls-crash-'));
const running = new Set<ChildProcess>();
let anvil: AnvilInstance | undefined;
let device: SimDevice | undefined;

afterAll(async () => {
  await device?.stop();
  for (const c of running) c.kill('SIGKILL');
  await anvil?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});


function up(ports: { bs: number; coap: number; api: number }): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  const env = {
    ...process.env,
    CHAINM2M_DATA_DIR: dataDir,
    CHAINM2M_ADMIN_PASSWORD: ADMIN_PASSWORD,
    CHAIN_RPC_URL: (anvil as AnvilInstance).rpcUrl,
    CHAINM2M_SIGNER_KEY: (anvil as AnvilInstance).privateKeys[0] as string,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'up', '--host', '127.0.0.1', '--bs-port', String(ports.bs), '--coap-port', String(ports.coap), '--api-port', String(ports.api)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => (running.delete(child), resolve())));
  return { child, output: () => out, exited };
}

async function adminToken(base: string): Promise<string> {
  const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  return ((await r.json()) as { token: string }).token;
}

async function metrics(api: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${api}/metrics`)).text();
}

describe('DTLS sessions across kill -9 and SIGINT of `chainm2m up`', () => {
  it("the device's next request after each restart is answered over the same session", async () => {
    anvil = await startAnvil({ port: 0 });
    const ports = { bs: await freePort(), coap: await freePort(), api: await freePort() };
    const base = `http://127.0.0.1:${ports.api}`;
    let p = up(ports);
    await vi.waitFor(() => expect(p.output()).toContain('REST API'), { timeout: 90_000, interval: 200 });

    const token = await adminToken(base);
    const created = await fetch(`${base}/api/endpoints`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ endpoint: 'crash-dev-1' }) });
    expect(created.status).toBe(201);
    const keys = (await created.json()) as { bsIdentity: string; bsPskHex: string };
    device = new SimDevice({
      endpoint: 'crash-dev-1',
      autoUpdate: false,
      bootstrap: { uri: `coaps://127.0.0.1:${ports.bs}`, identity: keys.bsIdentity, key: new Uint8Array(Buffer.from(keys.bsPskHex, 'hex')) },
    });
    await device.bootstrap();
    await device.register();
    const registeredAt = Date.now();
    // Wait for a periodic save that includes the session, then crash.
    await vi.waitFor(() => expect(statSync(join(dataDir, DTLS_SESSIONS_FILE)).mtimeMs).toBeGreaterThan(registeredAt), { timeout: 20_000, interval: 200 });
    p.child.kill('SIGKILL');
    await p.exited;

    for (const how of ['after kill -9', 'after SIGINT'] as const) {
      p = up(ports);
      await vi.waitFor(() => expect(p.output()).toContain('REST API'), { timeout: 90_000, interval: 200 });
      expect(p.output(), how).toMatch(/DTLS sessions {2}1 restored/);
      await device.update(); // over the same DTLS session
      const m = await metrics(ports.api);
      expect(m, how).toContain('chainm2m_dtls_handshakes_total{server="lwm2m",kind="full"} 0');
      expect(m, how).toContain('chainm2m_dtls_sessions{server="lwm2m"} 1');
      const client = await fetch(`${base}/api/clients/crash-dev-1`, { headers: { authorization: `Bearer ${await adminToken(base)}` } });
      expect(client.status, how).toBe(200);
      if (how === 'after kill -9') {
        p.child.kill('SIGINT');
        await p.exited;
      }
    }
    p.child.kill('SIGINT');
    await p.exited;
  }, 300_000);
});
