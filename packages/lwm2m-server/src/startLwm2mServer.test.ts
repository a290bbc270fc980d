/**
 * The composed server over an in-memory transport (the "DTLS layer" reports identities) with a
 * FakeClock: Register / Update / expiry through the real CoapEndpoint, revocation on rotation,
 * and restart persistence with a data directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoapEndpoint, FakeClock, InMemorySecurityStore, type SecurityInfo } from '@chainm2m/lwm2m';
import { afterEach, describe, expect, it } from 'vitest';
import { startLwm2mServer, type Lwm2mServer, type Lwm2mServerEventMap } from './index.js';
import { securityInfo } from './testing/fixtures.js';
import { MemoryHub } from './testing/memoryTransport.js';
import { seededRandom } from '@chainm2m/lwm2m';

const enc = new TextEncoder();
const T0 = 1_700_000_000_000;
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('startLwm2mServer over an in-memory transport', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function start(opts: { securityStore: InMemorySecurityStore; dataDir?: string; hub?: MemoryHub; clock?: FakeClock }) {
    const hub = opts.hub ?? new MemoryHub();
    const clock = opts.clock ?? new FakeClock(T0);
    const serverTransport = hub.transport({}, true);
    const server = await startLwm2mServer({
      securityStore: opts.securityStore,
      secureTransport: serverTransport,
      clock,
      random: seededRandom(),
      wallTime: () => clock.now(),
      ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    });
    cleanup.push(() => server.close());
    const seen: { [K in keyof Lwm2mServerEventMap]?: Lwm2mServerEventMap[K][] } = {};
    for (const name of ['registered', 'updated', 'deregistered', 'expired', 'unauthorized'] as const) {
      server.events.on(name, (e) => void (seen[name] ??= [] as never[]).push(e as never));
    }
    return { hub, clock, server, seen, serverAddress: serverTransport.address() };
  }

  function device(hub: MemoryHub, clock: FakeClock, identity: string) {
    const t = hub.transport({ pskIdentity: identity, cipherSuite: 'TLS_PSK_WITH_AES_128_CCM_8' }, true);
    const coap = new CoapEndpoint({ transport: t, clock, random: seededRandom(7) });
    cleanup.push(() => coap.close());
    return coap;
  }

  async function register(coap: CoapEndpoint, server: Lwm2mServer, to: { address: string; port: number }, ep: string, lt = 60) {
    const res = await coap.request(to, { method: 'POST', path: ['rd'], query: [`ep=${ep}`, `lt=${lt}`, 'lwm2m=1.1', 'b=U'], contentFormat: 40, payload: enc.encode('</1/0>,</3/0>') });
    expect(server).toBeDefined();
    return res;
  }

  it('registers, updates and expires through the CoAP endpoint on the injected clock', async () => {
    const { hub, clock, server, seen, serverAddress } = await start({ securityStore: new InMemorySecurityStore([securityInfo('dev1')]) });
    const coap = device(hub, clock, 'dev1-id');
    const res = await register(coap, server, serverAddress, 'dev1', 60);
    expect(res.code).toBe('2.01');
    const id = res.locationPath[1] as string;
    expect(res.locationPath).toEqual(['rd', id]);
    clock.advance(50_000);
    expect((await coap.request(serverAddress, { method: 'POST', path: ['rd', id] })).code).toBe('2.04');
    clock.advance(59_000);
    await flush();
    expect(seen.expired).toBeUndefined();
    clock.advance(1_000);
    await flush();
    expect(seen.expired?.map((e) => e.registration.id)).toEqual([id]);
    expect(await server.registrations.get('dev1')).toBeUndefined();
    expect((await coap.request(serverAddress, { method: 'POST', path: ['rd', id] })).code).toBe('4.04');
    expect((await server.stats()).handler).toMatchObject({ registered: 1, updated: 1, expired: 1 });
  });

  it('drops the registration when the endpoint key is rotated, not when only its clearance changes', async () => {
    const store = new InMemorySecurityStore([securityInfo('dev1')]);
    const { hub, clock, server, seen, serverAddress } = await start({ securityStore: store });
    await register(device(hub, clock, 'dev1-id'), server, serverAddress, 'dev1');
    const current = (await store.getByEndpoint('dev1')) as SecurityInfo;
    await store.update({ ...current, clearance: 3 });
    await flush();
    expect(await server.registrations.get('dev1')).toBeDefined();
    await store.update({ ...current, server: { ...current.server, key: enc.encode('rotated-key') } });
    await flush();
    expect(await server.registrations.get('dev1')).toBeUndefined();
    expect(seen.deregistered?.map((e) => e.reason)).toEqual(['revoked']);
  });

  it('keeps registrations and their location paths across a restart (data dir)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lwm2m-server-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const securityStore = new InMemorySecurityStore([securityInfo('dev1')]);
    const hub = new MemoryHub();
    const clock = new FakeClock(T0);
    const first = await start({ securityStore, dataDir, hub, clock });
    const res = await register(device(hub, clock, 'dev1-id'), first.server, first.serverAddress, 'dev1', 300);
    const id = res.locationPath[1] as string;
    await first.server.close();

    const second = await start({ securityStore, dataDir, hub, clock });
    expect((await second.server.registrations.get('dev1'))?.id).toBe(id);
    // The device, after a new handshake, updates its old location.
    const again = device(hub, clock, 'dev1-id');
    expect((await again.request(second.serverAddress, { method: 'POST', path: ['rd', id] })).code).toBe('2.04');
    expect(second.seen.updated?.[0]?.registration.id).toBe(id);
    // Expiry still applies to restored registrations.
    clock.advance(300_000);
    await flush();
    expect(second.seen.expired?.map((e) => e.registration.id)).toEqual([id]);
  });
});
