/**
 * The bootstrap handler behind a real CoapEndpoint, talking to a device's CoapEndpoint over an
 * in-memory datagram link (no sockets, no DTLS: the link reports the PSK identity).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CoapEndpoint, DerivedBootstrapConfigStore, FakeClock, InMemorySecurityStore, type Clock } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { BootstrapSessionManager, type BootstrapEventMap } from '../src/index.js';
import { memoryLink } from './helpers/MemoryLink.js';
import { MiniDevice, expectedObjects, type MiniDeviceOptions } from './helpers/MiniDevice.js';

const devA = makeSecurityInfo('mem-a');
const devB = makeSecurityInfo('mem-b');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function rig(identity: string, deviceOpts: MiniDeviceOptions = {}, clock?: Clock, policy = { stepTimeoutMs: 5000, maxAttempts: 2 }) {
  const securityStore = new InMemorySecurityStore([devA, devB]);
  const manager = new BootstrapSessionManager({ securityStore, configStore: new DerivedBootstrapConfigStore(securityStore), policy, ...(clock ? { clock } : {}) });
  const link = memoryLink({ pskIdentity: identity, cipherSuite: 'TLS_PSK_WITH_AES_128_CCM_8' });
  const serverCoap = new CoapEndpoint({ transport: link.server, ...(clock ? { clock } : {}) });
  serverCoap.setHandler(manager.handlerFor(serverCoap));
  const device = new MiniDevice(devA.bootstrap, deviceOpts);
  const deviceCoap = new CoapEndpoint({ transport: link.device, handler: device.handle, ...(clock ? { clock } : {}) });
  const events: { event: keyof BootstrapEventMap; payload: unknown }[] = [];
  for (const e of ['started', 'unauthorized', 'rejected', 'step', 'finished', 'failed'] as const) {
    manager.events.on(e, (payload) => events.push({ event: e, payload }));
  }
  closers.push(async () => {
    await manager.close();
    await serverCoap.close();
    await deviceCoap.close();
  });
  const post = (query: string) => deviceCoap.request(link.server.address(), { method: 'POST', path: `/bs?${query}`, timeoutMs: 5000 });
  return { manager, device, deviceCoap, post, events, link };
}

describe('bootstrap over a CoAP endpoint (in-memory link)', () => {
  it('writes the Security and Server objects the security record describes (SenML-JSON)', async () => {
    const { device, post, manager } = rig(devA.bootstrap.identity);
    const finished = manager.events.once('finished');
    const done = device.whenFinished();
    expect((await post('ep=mem-a&pct=110')).code).toBe('2.04');
    await done;
    await finished;
    expect(device.snapshot()).toEqual(expectedObjects(devA));
    // asked first (Discover /), kept the device's own bootstrap account at /0/0
    expect(device.received.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /', 'DELETE /0', 'DELETE /1', 'PUT /0/1', 'PUT /1/0', 'POST /bs']);
    expect(device.received.filter((r) => r.method === 'PUT').map((r) => r.contentFormat)).toEqual([110, 110]);
  });

  it('uses TLV when the client asks for it with pct', async () => {
    const { device, post } = rig(devA.bootstrap.identity);
    const done = device.whenFinished();
    expect((await post('ep=mem-a&pct=11542')).code).toBe('2.04');
    await done;
    expect(device.snapshot()).toEqual(expectedObjects(devA));
    expect(device.received.filter((r) => r.method === 'PUT').map((r) => r.contentFormat)).toEqual([11542, 11542]);
  });

  it('falls back to TLV for a client that answers SenML-JSON with 4.00', async () => {
    const { device, post } = rig(devA.bootstrap.identity, { rejectFormats: [110], rejectCode: '4.00' });
    const done = device.whenFinished();
    await post('ep=mem-a&pct=110');
    await done;
    expect(device.snapshot()).toEqual(expectedObjects(devA));
    // 110 refused with 4.00, SenML-CBOR unknown to this device (4.15), then TLV
    expect(device.received.filter((r) => r.method === 'PUT').map((r) => `${r.path} ${r.contentFormat}`)).toEqual(['/0/1 110', '/0/1 112', '/0/1 11542', '/1/0 11542']);
  });

  it('falls back to per-resource text/opaque writes for a client that rejects SenML-JSON and TLV', async () => {
    const { device, post } = rig(devA.bootstrap.identity, { rejectFormats: [110, 11542] });
    const done = device.whenFinished();
    await post('ep=mem-a&pct=11542');
    await done;
    expect(device.snapshot()).toEqual(expectedObjects(devA));
    expect(device.received.filter((r) => r.method === 'PUT' && r.path.split('/').length === 4)).toHaveLength(10);
  });

  it('refuses the bootstrap identity of another endpoint with 4.03 and sends the device nothing', async () => {
    const { device, post, events } = rig(devB.bootstrap.identity);
    expect((await post('ep=mem-a')).code).toBe('4.03');
    await new Promise((r) => setImmediate(r));
    expect(device.received).toHaveLength(0);
    expect(events).toMatchObject([{ event: 'unauthorized', payload: { endpoint: 'mem-a', identity: 'mem-b-bs', reason: 'identity-mismatch' } }]);
  });

  it('refuses an unknown endpoint with 4.00', async () => {
    const { post, events } = rig(devA.bootstrap.identity);
    expect((await post('ep=nobody')).code).toBe('4.00');
    expect(events).toMatchObject([{ event: 'unauthorized', payload: { reason: 'unknown-endpoint' } }]);
  });

  it('a device that never answers: CoAP retransmits, the step deadline ends the session (fake clock)', async () => {
    const clock = new FakeClock(0);
    const { device, post, manager, events } = rig(devA.bootstrap.identity, { silent: true }, clock, { stepTimeoutMs: 20_000, maxAttempts: 2 });
    const failed = manager.events.once('failed');
    const pump = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 500) {
        clock.advance(500);
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      }
    };
    const res = post('ep=mem-a');
    await pump(500);
    expect((await res).code).toBe('2.04');
    await pump(45_000);
    const f = await failed;
    expect(f.reason).toBe('no response to Bootstrap-Discover /0 after 2 attempts');
    expect(f.durationMs).toBeGreaterThanOrEqual(40_000);
    // the device got the Delete (attempt 1 and 2; CoAP dedups the retransmissions of each)
    expect(device.received.map((r) => r.path)).toEqual(['/0', '/0']);
    expect(events.filter((e) => e.event === 'step').map((e) => (e.payload as { result: string }).result)).toEqual(['timeout', 'timeout']);
  });
});
