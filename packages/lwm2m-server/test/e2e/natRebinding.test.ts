/**
 * A device behind a NAT that changes its port mid-session (DTLS 1.2 Connection ID, RFC 9146): the
 * simulated device (client-sim, which offers a CID) registers over DTLS, moves to a new local port,
 * sends an Update over the same session (no new handshake), and the server follows: the registration
 * address is the new one and a read reaches the device there.
 */
import { InMemorySecurityStore } from '@chainm2m/lwm2m';
import { SimDevice } from '@chainm2m/client-sim';
import { afterAll, describe, expect, it } from 'vitest';
import { startLwm2mServer, type Lwm2mServer } from '../../src/index.js';
import { securityInfo } from '../../src/testing/fixtures.js';

const enc = new TextEncoder();

describe('NAT rebinding with DTLS Connection ID', () => {
  let server: Lwm2mServer | undefined;
  let device: SimDevice | undefined;
  afterAll(async () => {
    await device?.stop();
    await server?.close();
  });

  it('the registration follows the device to its new port without a new handshake', async () => {
    const securityStore = new InMemorySecurityStore([securityInfo('nat1')]);
    server = await startLwm2mServer({ securityStore, host: '127.0.0.1', port: 0, requestTimeoutMs: 10_000 });
    device = new SimDevice({ endpoint: 'nat1', autoUpdate: false });
    const info = await securityStore.getByEndpoint('nat1');
    const t = device.objects;
    t.set(0, 1, 0, `coaps://127.0.0.1:${server.addresses.coaps.port}`);
    t.set(0, 1, 1, false);
    t.set(0, 1, 2, 0);
    t.set(0, 1, 3, enc.encode('nat1-id'));
    t.set(0, 1, 5, info?.server.key as Uint8Array);
    t.set(0, 1, 10, 101);
    t.set(1, 0, 0, 101);
    t.set(1, 0, 1, 300);
    t.set(1, 0, 7, 'U');
    await device.register();
    const before = await server.registrations.get('nat1');
    expect(before?.address.port).toBe(device.localAddress()?.port);
    const stats0 = await server.stats();
    expect(stats0.dtls?.cidSessions).toBe(1);

    const moved = await device.rebindPort();
    expect(moved.port).not.toBe(before?.address.port);
    await device.update();
    const after = await server.registrations.get('nat1');
    expect(after?.address).toEqual({ address: '127.0.0.1', port: moved.port });
    expect(after?.id).toBe(before?.id);
    const read = await server.devices.read('nat1', '/3/0/0');
    expect(read.node).toMatchObject({ kind: 'singleResource', value: 'chainm2m' });
    const stats = await server.stats();
    expect(stats.dtls).toMatchObject({ handshakesCompleted: 1, peersMoved: 1, sessions: 1 });
  });
});
