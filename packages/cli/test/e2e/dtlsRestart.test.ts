/**
 * DTLS sessions survive a restart of the stack (issue 9): a simulated device (our DtlsClient inside
 * client-sim) bootstraps and registers over DTLS; the stack stops cleanly (what SIGINT does) and starts
 * again on the same data directory and ports; the device's next CoAP request (an Update) over the
 * same DTLS session is answered with no new handshake, and its registration still maps to it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimDevice } from '@chainm2m/client-sim';
import { loadConfig } from '../../src/config.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { DTLS_SESSIONS_FILE } from '../../src/stack/dtlsSessions.js';

const ADMIN_PASSWORD = 'dtls-restart-admin';
const dataDir = mkdtempSync(join(tmpdir(), 'chainm2m-dtls-restart-'));
let stack: Stack | undefined;
let device: SimDevice | undefined;

afterAll(async () => {
  await device?.stop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(ports: { bs: number; coap: number; api: number; chain: number }): Promise<Stack> {
  const config = loadConfig({ 'data-dir': dataDir, 'bs-port': String(ports.bs), 'coap-port': String(ports.coap), 'api-port': String(ports.api), 'chain-port': String(ports.chain) }, {});
  return startStack({ config, env: { CHAINM2M_ADMIN_PASSWORD: ADMIN_PASSWORD }, log: () => undefined });
}

describe('DTLS sessions across a restart of the stack', () => {
  it("after a clean stop and start, the device's next request over the same session is answered without a handshake", async () => {
    stack = await start({ bs: 0, coap: 0, api: 0, chain: 0 });
    const ports = { bs: stack.ports.bootstrap as number, coap: stack.ports.coaps as number, api: stack.ports.api as number, chain: stack.ports.chain as number };
    const keys = await stack.endpoints.create({ endpoint: 'restart-dev-1' });
    device = new SimDevice({
      endpoint: 'restart-dev-1',
      autoUpdate: false,
      bootstrap: { uri: `coaps://127.0.0.1:${ports.bs}`, identity: keys.bsIdentity, key: new Uint8Array(Buffer.from(keys.bsPskHex, 'hex')) },
    });
    await device.bootstrap();
    await device.register();
    const before = await stack.lwm2m?.registrations.get('restart-dev-1');
    expect(before).toBeDefined();
    expect(stack.lwm2m?.dtlsStats?.()).toMatchObject({ sessions: 1, handshakesCompleted: 1 });

    await stack.stop();
    stack = undefined;
    expect(existsSync(join(dataDir, DTLS_SESSIONS_FILE))).toBe(true);

    stack = await start(ports);
    expect(stack.lwm2m?.dtlsStats?.()).toMatchObject({ sessions: 1, restoredSessions: 1, handshakesCompleted: 0 });
    await device.update(); // the same DTLS session: no handshake
    expect(stack.lwm2m?.dtlsStats?.()).toMatchObject({ sessions: 1, handshakesCompleted: 0 });
    const after = await stack.lwm2m?.registrations.get('restart-dev-1');
    expect(after?.id).toBe(before?.id);
    const read = await stack.lwm2m?.devices.read('restart-dev-1', '/3/0/0');
    expect(read?.node).toMatchObject({ kind: 'singleResource', value: 'chainm2m' });
  }, 180_000);
});
