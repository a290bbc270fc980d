/**
 * The device's client side over DTLS against a foreign peer: libcoap's coap-server (OpenSSL build,
 * PSK) with dynamic resources. The SimDevice handshakes with it (our DtlsClient), registers
 * (libcoap creates /rd and answers 2.01 with a Location), updates and de-registers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimDevice } from '../../src/index.js';

const SERVER = '/usr/bin/coap-server-openssl';
const KEY = 'simInteropKey01'; // libcoap 4.3.1 takes the key as text

async function udpPortFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** An ephemeral port p with p+1 free too (libcoap listens on p for CoAP and p+1 for DTLS). */
async function portPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const s = createSocket('udp4');
    const p = await new Promise<number>((resolve) => s.bind(0, '127.0.0.1', () => resolve(s.address().port)));
    await new Promise<void>((r) => s.close(() => r()));
    if (p < 65000 && (await udpPortFree(p)) && (await udpPortFree(p + 1))) return p;
  }
  throw new Error('no free port pair');
}

describe('SimDevice against libcoap coap-server-openssl over DTLS (PSK)', () => {
  let server: ChildProcess | undefined;
  let port = 0;
  let device: SimDevice | undefined;

  beforeAll(async () => {
    port = await portPair();
    server = spawn(SERVER, ['-A', '127.0.0.1', '-p', String(port), '-k', KEY, '-d', '10', '-v', '3'], { stdio: 'ignore' });
    // wait until the DTLS port is taken by the server
    for (let i = 0; i < 100 && (await udpPortFree(port + 1)); i++) await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    await device?.stop();
    server?.kill('SIGTERM');
  });

  it('registers, updates and de-registers', async () => {
    device = new SimDevice({ endpoint: 'libcoap-dtls', autoUpdate: false, requestTimeoutMs: 10_000 });
    device.configureServer({ uri: `coaps://127.0.0.1:${port + 1}`, identity: 'sim-interop', key: new TextEncoder().encode(KEY), lifetime: 60 });
    const { location } = await device.register();
    expect(location).toBe('/rd');
    await device.update();
    await device.deregister();
    expect(device.state).toBe('bootstrapped');
  });

  it('a wrong key fails the handshake (no registration)', async () => {
    const d = new SimDevice({ endpoint: 'libcoap-bad', autoUpdate: false, requestTimeoutMs: 2000 });
    d.configureServer({ uri: `coaps://127.0.0.1:${port + 1}`, identity: 'sim-interop', key: new TextEncoder().encode('wrongKey'), lifetime: 60 });
    try {
      await expect(d.register()).rejects.toMatchObject({ code: 'SIM_REGISTER_FAILED' });
    } finally {
      await d.stop();
    }
  });
});
