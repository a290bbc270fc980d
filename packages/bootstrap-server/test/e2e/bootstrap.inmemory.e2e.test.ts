/**
 * End to end over real sockets on loopback: our DTLS client + CoAP endpoint as the device, the
 * bootstrap server (DtlsServer + CoapEndpoint + handler) with in-memory stores.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InMemorySecurityStore } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { startBootstrapServer, type BootstrapServer, type BootstrapEventMap } from '../../src/index.js';
import { connectDevice, type DtlsDevice } from '../helpers/dtlsDevice.js';
import { MiniDevice, expectedObjects } from '../helpers/MiniDevice.js';

const infos = Array.from({ length: 12 }, (_, i) => makeSecurityInfo(`e2e-${i}`));
const [devA, devB, devC] = infos as [typeof infos[0], typeof infos[0], typeof infos[0]];
let server: BootstrapServer;
const devices: DtlsDevice[] = [];
const events: { event: keyof BootstrapEventMap; payload: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const securityStore = new InMemorySecurityStore(infos);
  // Generous deadlines here (a loaded CI box must not fail a healthy device); the silent-device
  // test runs its own server with short ones.
  server = await startBootstrapServer({ securityStore, host: '127.0.0.1', port: 0, policy: { stepTimeoutMs: 10_000, maxAttempts: 2 } });
  for (const e of ['started', 'unauthorized', 'rejected', 'step', 'finished', 'failed', 'handshakeFailed'] as const) {
    server.events.on(e, (payload) => events.push({ event: e, payload: payload as unknown as Record<string, unknown> }));
  }
});

afterAll(async () => {
  for (const d of devices) await d.close();
  await server?.close();
});

/** Resolves when the server reports the end of `endpoint`'s session (finished or failed). */
function sessionEnd(endpoint: string): Promise<{ event: 'finished' | 'failed'; reason?: string }> {
  return new Promise((resolve) => {
    const offs = [
      server.events.on('finished', (e) => e.endpoint === endpoint && (offs.forEach((o) => o()), resolve({ event: 'finished' }))),
      server.events.on('failed', (e) => e.endpoint === endpoint && (offs.forEach((o) => o()), resolve({ event: 'failed', reason: e.reason }))),
    ];
  });
}

async function device(...args: Parameters<typeof connectDevice> extends [unknown, ...infer R] ? R : never): Promise<DtlsDevice> {
  const d = await connectDevice(server.address, ...args);
  devices.push(d);
  return d;
}

describe('bootstrap server end to end (in-memory stores)', () => {
  it('listens on CoAPS only: no NoSec listener unless enabled', () => {
    expect(server.address.port).toBeGreaterThan(0);
    expect(server.nosecAddress).toBeUndefined();
  });

  it('a device bootstraps and ends with the Security and Server objects of its record', async () => {
    const d = await device(devA.bootstrap);
    const end = sessionEnd(devA.endpoint);
    const res = await d.requestBootstrap(`ep=${devA.endpoint}`);
    expect(res.code).toBe('2.04');
    expect(await end).toEqual({ event: 'finished' });
    expect(d.device.finishedCount).toBe(1);
    expect(d.device.snapshot()).toEqual(expectedObjects(devA));
    const mine = events.filter((e) => e.payload.endpoint === devA.endpoint);
    expect(mine.map((e) => e.event)).toContain('finished');
    expect(mine.find((e) => e.event === 'started')?.payload.identity).toBe(devA.bootstrap.identity);
  });

  it('refuses the bootstrap identity of another endpoint with 4.03 and reports it', async () => {
    const d = await device(devB.bootstrap);
    const res = await d.requestBootstrap(`ep=${devC.endpoint}`);
    expect(res.code).toBe('4.03');
    expect(events.find((e) => e.event === 'unauthorized' && e.payload.endpoint === devC.endpoint)?.payload).toMatchObject({
      identity: devB.bootstrap.identity,
      identityEndpoint: devB.endpoint,
      reason: 'identity-mismatch',
    });
    expect(d.device.received).toHaveLength(0);
  });

  it('refuses an unknown endpoint with 4.00', async () => {
    const d = await device(devC.bootstrap);
    expect((await d.requestBootstrap('ep=no-such-endpoint')).code).toBe('4.00');
    expect(events.some((e) => e.event === 'unauthorized' && e.payload.reason === 'unknown-endpoint')).toBe(true);
  });

  it('a wrong key fails the handshake, reported as handshakeFailed without the key', async () => {
    const wrong = { ...infos[3]!.bootstrap, key: new Uint8Array(16).fill(0xee) };
    await expect(connectDevice(server.address, wrong, { timeoutMs: 3000 })).rejects.toThrow();
    const failed = events.filter((e) => e.event === 'handshakeFailed' && e.payload.identity === wrong.identity);
    expect(failed.length).toBeGreaterThan(0);
    expect(JSON.stringify(failed)).not.toContain('eeeeeeee');
  });

  it('an unknown identity and the LwM2M-server identity both fail the handshake (only bootstrap keys are served)', async () => {
    await expect(connectDevice(server.address, { serverUri: '', identity: 'nobody', key: new Uint8Array(16) }, { timeoutMs: 3000 })).rejects.toThrow();
    const dm = infos[4]!.server;
    await expect(connectDevice(server.address, { serverUri: dm.serverUri, identity: dm.identity, key: dm.key }, { timeoutMs: 3000 })).rejects.toThrow();
  });

  it('a device that never answers: the session fails after the step deadline and retries', async () => {
    const info = infos[5]!;
    const quick = await startBootstrapServer({ securityStore: new InMemorySecurityStore([info]), host: '127.0.0.1', port: 0, policy: { stepTimeoutMs: 300, maxAttempts: 2 } });
    const d = await connectDevice(quick.address, info.bootstrap, { silent: true });
    try {
      const failed = quick.events.once('failed');
      expect((await d.requestBootstrap(`ep=${info.endpoint}`)).code).toBe('2.04');
      const f = await failed;
      expect(f).toMatchObject({ endpoint: info.endpoint, reason: 'no response to Bootstrap-Discover /0 after 2 attempts' });
      expect(d.device.received.map((r) => r.path)).toEqual(['/0', '/0']);
    } finally {
      await d.close();
      await quick.close();
    }
  });

  it('a device that rejects SenML-JSON and TLV is bootstrapped with per-resource writes', async () => {
    const info = infos[6]!;
    const d = await device(info.bootstrap, { rejectFormats: [110, 11542] });
    const end = sessionEnd(info.endpoint);
    expect((await d.requestBootstrap(`ep=${info.endpoint}&pct=11542`)).code).toBe('2.04');
    expect(await end).toEqual({ event: 'finished' });
    expect(d.device.snapshot()).toEqual(expectedObjects(info));
    expect(d.device.received.filter((r) => r.contentFormat === 0 || r.contentFormat === 42).length).toBe(10);
  });

  it('a device that rejects TLV (4.00) gets SenML-JSON despite asking for TLV', async () => {
    const info = infos[7]!;
    const d = await device(info.bootstrap, { rejectFormats: [11542], rejectCode: '4.00' });
    const end = sessionEnd(info.endpoint);
    expect((await d.requestBootstrap(`ep=${info.endpoint}&pct=11542`)).code).toBe('2.04');
    expect(await end).toEqual({ event: 'finished' });
    expect(d.device.snapshot()).toEqual(expectedObjects(info));
    expect(d.device.received.filter((r) => r.method === 'PUT').map((r) => r.contentFormat)).toEqual([11542, 112, 110, 110]);
  });

  it('several devices bootstrap at the same time', async () => {
    const batch = infos.slice(8, 12);
    const ds = await Promise.all(batch.map((i) => device(i.bootstrap)));
    await Promise.all(
      ds.map(async (d, k) => {
        const end = sessionEnd(batch[k]!.endpoint);
        expect((await d.requestBootstrap(`ep=${batch[k]!.endpoint}`)).code).toBe('2.04');
        expect(await end).toEqual({ event: 'finished' });
        expect(d.device.snapshot()).toEqual(expectedObjects(batch[k]!));
      }),
    );
    expect(server.stats().bootstrap.finished).toBeGreaterThanOrEqual(batch.length + 3);
  });

  it('no event carries a key', () => {
    const text = JSON.stringify(events);
    for (const i of infos) {
      for (const k of [i.bootstrap.key, i.server.key]) {
        expect(text).not.toContain(Buffer.from(k).toString('hex'));
        expect(text).not.toContain(Buffer.from(k).toString('base64url'));
      }
    }
  });
});

describe('server robustness', () => {
  it('a device that closes its DTLS session mid-bootstrap ends its session at once (close_notify)', async () => {
    const info = infos[5]!;
    const s = await startBootstrapServer({ securityStore: new InMemorySecurityStore([info]), host: '127.0.0.1', port: 0, policy: { stepTimeoutMs: 30_000 } });
    const d = await connectDevice(s.address, info.bootstrap, { silent: true });
    try {
      const failed = s.events.once('failed');
      expect((await d.requestBootstrap(`ep=${info.endpoint}`)).code).toBe('2.04');
      // the server is now waiting for the answer to Bootstrap-Delete /0
      await vi.waitFor(() => expect(d.device.received.length).toBeGreaterThan(0), { timeout: 10_000, interval: 5 });
      await d.close();
      const f = await failed;
      expect(f.reason).toMatch(/^DTLS session closed/);
      expect(s.sessions.active).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('a store that throws fails the handshake (no key) and the server keeps serving', async () => {
    let broken = true;
    const inner = new InMemorySecurityStore([devA]);
    const flaky = {
      getByEndpoint: (ep: string) => (broken ? Promise.reject(new Error('rpc down')) : inner.getByEndpoint(ep)),
      getByIdentity: (id: string) => (broken ? Promise.reject(new Error('rpc down')) : inner.getByIdentity(id)),
    };
    const s = await startBootstrapServer({ securityStore: flaky, host: '127.0.0.1', port: 0 });
    try {
      await expect(connectDevice(s.address, devA.bootstrap, { timeoutMs: 3000 })).rejects.toThrow();
      broken = false;
      const d = await connectDevice(s.address, devA.bootstrap);
      try {
        const finished = s.events.once('finished');
        expect((await d.requestBootstrap(`ep=${devA.endpoint}`)).code).toBe('2.04');
        expect((await finished).endpoint).toBe(devA.endpoint);
      } finally {
        await d.close();
      }
    } finally {
      await s.close();
    }
  });
});

describe('NoSec listener', () => {
  it('is opened only when enabled, and refuses endpoints that have PSK credentials with 4.03', async () => {
    const { CoapEndpoint } = await import('@chainm2m/lwm2m');
    const { UdpTransport } = await import('@chainm2m/dtls');
    const s = await startBootstrapServer({ securityStore: new InMemorySecurityStore([devA]), host: '127.0.0.1', port: 0, nosec: { port: 0 } });
    const udp = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const coap = new CoapEndpoint({ transport: udp });
    try {
      expect(s.nosecAddress?.port).toBeGreaterThan(0);
      const res = await coap.request(s.nosecAddress!, { method: 'POST', path: `/bs?ep=${devA.endpoint}`, timeoutMs: 5000 });
      expect(res.code).toBe('4.03');
      expect(s.stats().bootstrap.unauthorized).toBe(1);
    } finally {
      await coap.close();
      await s.close();
    }
  });

  it('bootstraps an endpoint configured for NoSec (no PSK account) over plain CoAP', async () => {
    const { CoapEndpoint, InMemoryBootstrapConfigStore } = await import('@chainm2m/lwm2m');
    const { UdpTransport } = await import('@chainm2m/dtls');
    const securityStore = new InMemorySecurityStore([devA]);
    const configStore = new InMemoryBootstrapConfigStore({ securityStore });
    await configStore.set({
      endpoint: 'nosec-dev',
      toDelete: ['/0', '/1'],
      security: [{ instanceId: 1, serverUri: 'coap://127.0.0.1:5683', bootstrapServer: false, securityMode: 3, pskIdentity: '', pskKey: new Uint8Array(0), shortServerId: 7 }],
      servers: [{ instanceId: 0, shortServerId: 7, lifetime: 60, binding: 'U' }],
    });
    const s = await startBootstrapServer({ securityStore, configStore, host: '127.0.0.1', port: 0, nosec: { port: 0 } });
    const udp = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const device = new MiniDevice({ serverUri: 'coap://127.0.0.1:5783', identity: '', key: new Uint8Array(0) });
    const coap = new CoapEndpoint({ transport: udp, handler: device.handle });
    try {
      const finished = s.events.once('finished');
      expect((await coap.request(s.nosecAddress!, { method: 'POST', path: '/bs?ep=nosec-dev', timeoutMs: 5000 })).code).toBe('2.04');
      expect(await finished).toMatchObject({ endpoint: 'nosec-dev' });
      expect(device.snapshot()['/0/1']).toEqual({ 0: 'coap://127.0.0.1:5683', 1: false, 2: 3, 10: 7 });
      expect(device.snapshot()['/1/0']).toEqual({ 0: 7, 1: 60, 6: true, 7: 'U' });
    } finally {
      await coap.close();
      await s.close();
    }
  });
});
