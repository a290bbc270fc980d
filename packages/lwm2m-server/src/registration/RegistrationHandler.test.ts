import { FakeClock } from '@chainm2m/lwm2m';
import { beforeEach, describe, expect, it } from 'vitest';
import { Lwm2mServerEvents, type Lwm2mServerEventMap } from '../events/ServerEvents.js';
import { FileRegistrationStore } from '../store/FileRegistrationStore.js';
import { inbound, securityInfo, TestSecurityStore } from '../testing/fixtures.js';
import { seededRandom } from '@chainm2m/lwm2m';
import { RegistrationHandler } from './RegistrationHandler.js';

const T0 = 1_700_000_000_000;

async function setup(opts: { allowNoSec?: boolean } = {}) {
  const clock = new FakeClock(T0);
  const events = new Lwm2mServerEvents();
  const store = await FileRegistrationStore.open();
  const securityStore = new TestSecurityStore([securityInfo('dev1'), securityInfo('dev2')]);
  const handler = new RegistrationHandler({
    store,
    securityStore,
    events,
    clock,
    random: seededRandom(),
    wallTime: () => clock.now(),
    allowNoSec: opts.allowNoSec ?? false,
  });
  await handler.start();
  const seen: { [K in keyof Lwm2mServerEventMap]?: Lwm2mServerEventMap[K][] } = {};
  for (const name of ['registered', 'updated', 'deregistered', 'expired', 'unauthorized', 'awake'] as const) {
    events.on(name, (e) => {
      (seen[name] ??= [] as never[]).push(e as never);
    });
  }
  return { clock, events, store, securityStore, handler, seen };
}

const LINKS = '</>;rt="oma.lwm2m";ct="60 110 112 11542",</1/0>,</3/0>;ver=1.1,</3303/0>,</3303/1>';

describe('RegistrationHandler', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    s = await setup();
  });

  it('registers with the server identity: 2.01, Location-Path rd/<id>, parsed links', async () => {
    const res = await s.handler.handle(inbound('POST', '/rd?ep=dev1&lt=300&lwm2m=1.1&b=U', { payload: LINKS, identity: 'dev1-id' }));
    expect(res.code).toBe('2.01');
    expect(res.locationPath?.[0]).toBe('rd');
    const id = res.locationPath?.[1] as string;
    const reg = await s.store.getByEndpoint('dev1');
    expect(reg).toMatchObject({
      id,
      endpoint: 'dev1',
      lifetime: 300,
      lwm2mVersion: '1.1',
      binding: 'U',
      queueMode: false,
      rootPath: '/',
      supportedContentFormats: [60, 110, 112, 11542],
      identity: 'dev1-id',
      address: { address: '127.0.0.1', port: 40001 },
      registeredAt: T0,
      lastUpdateAt: T0,
    });
    expect(reg?.objectLinks.map((l) => [l.path, l.objectId, l.instanceId, l.version])).toEqual([
      ['/1/0', 1, 0, undefined],
      ['/3/0', 3, 0, '1.1'],
      ['/3303/0', 3303, 0, undefined],
      ['/3303/1', 3303, 1, undefined],
    ]);
    expect(s.seen.registered).toHaveLength(1);
  });

  it('applies defaults (lt 86400, lwm2m 1.0, b U) and the alternate root path', async () => {
    const res = await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>', identity: 'dev1-id' }));
    expect(res.code).toBe('2.01');
    const reg = await s.store.getByEndpoint('dev1');
    expect(reg).toMatchObject({ lifetime: 86400, lwm2mVersion: '1.0', binding: 'U', rootPath: '/lwm2m/' });
    expect(reg?.objectLinks.map((l) => l.path)).toEqual(['/1/0', '/3/0']);
  });

  it('detects queue mode from b=UQ (1.0) and Q (1.1)', async () => {
    await s.handler.handle(inbound('POST', '/rd?ep=dev1&b=UQ', { identity: 'dev1-id', payload: '</3/0>' }));
    await s.handler.handle(inbound('POST', '/rd?ep=dev2&lwm2m=1.1&b=U&Q', { identity: 'dev2-id', payload: '</3/0>' }));
    expect((await s.store.getByEndpoint('dev1'))?.queueMode).toBe(true);
    expect((await s.store.getByEndpoint('dev2'))?.queueMode).toBe(true);
    expect(s.seen.awake).toHaveLength(2);
  });

  it.each([
    ['another endpoint\'s server identity', 'dev2-id', 'identity-of-other-endpoint'],
    ['its own bootstrap identity', 'dev1-bs', 'bootstrap-identity'],
    ['an unknown identity', 'nobody', 'unknown-identity'],
    ['no identity (NoSec disabled)', undefined, 'nosec-disabled'],
  ] as const)('refuses %s with 4.03 and reports it', async (_what, identity, reason) => {
    const res = await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', ...(identity !== undefined ? { identity } : {}) }));
    expect(res.code).toBe('4.03');
    expect(await s.store.count()).toBe(0);
    expect(s.seen.unauthorized).toEqual([
      expect.objectContaining({ operation: 'register', endpoint: 'dev1', reason, peer: { address: '127.0.0.1', port: 40001 }, at: T0 }),
    ]);
  });

  it.each([
    ['missing ep', '/rd?lt=300'],
    ['empty ep', '/rd?ep='],
    ['zero lifetime', '/rd?ep=dev1&lt=0'],
    ['non-numeric lifetime', '/rd?ep=dev1&lt=abc'],
    ['bad version', '/rd?ep=dev1&lwm2m=2'],
    ['bad binding', '/rd?ep=dev1&b=X'],
    ['duplicate ep', '/rd?ep=dev1&ep=dev2'],
  ])('answers 4.00 for %s', async (_what, uri) => {
    const res = await s.handler.handle(inbound('POST', uri, { payload: '</3/0>', identity: 'dev1-id' }));
    expect(res.code).toBe('4.00');
    expect(await s.store.count()).toBe(0);
  });

  it('says why in the diagnostic payload, and answers an unsupported LwM2M version 4.12 (the uplink parser\'s rules)', async () => {
    const dup = await s.handler.handle(inbound('POST', '/rd?ep=dev1&lt=60&lt=90', { payload: '</3/0>', identity: 'dev1-id' }));
    expect(dup.code).toBe('4.00');
    expect(new TextDecoder().decode(dup.payload)).toBe("query parameter 'lt' given twice");
    const v13 = await s.handler.handle(inbound('POST', '/rd?ep=dev1&lwm2m=1.3', { payload: '</3/0>', identity: 'dev1-id' }));
    expect(v13.code).toBe('4.12');
    expect(new TextDecoder().decode(v13.payload)).toContain('LwM2M 1.3 is not supported');
    expect(s.handler.stats().badRequests).toBe(2);
    expect(await s.store.count()).toBe(0);
    const ok = await s.handler.handle(inbound('POST', '/rd?ep=dev1&lwm2m=1.2&b=UQ&apn=internet', { payload: '</3/0>', identity: 'dev1-id' }));
    expect(ok.code).toBe('2.01');
    expect(await s.store.getById(ok.locationPath?.[1] as string)).toMatchObject({ lwm2mVersion: '1.2', binding: 'UQ', queueMode: true });
  });

  it('answers 4.00 for a malformed link-format payload and invalid UTF-8', async () => {
    expect((await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0', identity: 'dev1-id' }))).code).toBe('4.00');
    // Links outside the root path, or naming a resource, are refused.
    expect((await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</lwm2m>;rt="oma.lwm2m",</other/1>', identity: 'dev1-id' }))).code).toBe('4.00');
    expect((await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0/1>', identity: 'dev1-id' }))).code).toBe('4.00');
    const req = { ...inbound('POST', '/rd?ep=dev1', { identity: 'dev1-id' }), payload: new Uint8Array([0x3c, 0xff, 0x3e]) };
    expect((await s.handler.handle(req)).code).toBe('4.00');
  });

  it('updates (lifetime, binding, links, address) with 2.04 and de-registers with 2.02', async () => {
    const res = await s.handler.handle(inbound('POST', '/rd?ep=dev1&lt=60', { payload: '</3/0>', identity: 'dev1-id' }));
    const id = res.locationPath?.[1] as string;
    s.clock.advance(10_000);
    const moved = { address: '127.0.0.1', port: 40002 };
    const up = await s.handler.handle(inbound('POST', `/rd/${id}?lt=120&b=UQ`, { payload: '</3/0>,</5/0>', identity: 'dev1-id', peer: moved }));
    expect(up.code).toBe('2.04');
    const reg = await s.store.getById(id);
    expect(reg).toMatchObject({ lifetime: 120, binding: 'UQ', address: moved, lastUpdateAt: T0 + 10_000, registeredAt: T0 });
    expect(reg?.objectLinks.map((l) => l.path)).toEqual(['/3/0', '/5/0']);
    expect(s.seen.updated?.[0]?.previous.lifetime).toBe(60);
    const del = await s.handler.handle(inbound('DELETE', `/rd/${id}`, { identity: 'dev1-id', peer: moved }));
    expect(del.code).toBe('2.02');
    expect(await s.store.count()).toBe(0);
    expect(s.seen.deregistered).toEqual([expect.objectContaining({ reason: 'client' })]);
    expect((await s.handler.handle(inbound('DELETE', `/rd/${id}`, { identity: 'dev1-id' }))).code).toBe('4.04');
  });

  it('answers 4.04 for an unknown id and 4.03 when another identity touches a registration', async () => {
    expect((await s.handler.handle(inbound('POST', '/rd/nope', { identity: 'dev1-id' }))).code).toBe('4.04');
    const res = await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', identity: 'dev1-id' }));
    const id = res.locationPath?.[1] as string;
    expect((await s.handler.handle(inbound('POST', `/rd/${id}`, { identity: 'dev2-id' }))).code).toBe('4.03');
    expect((await s.handler.handle(inbound('DELETE', `/rd/${id}`, { identity: 'dev2-id' }))).code).toBe('4.03');
    expect(await s.store.count()).toBe(1);
    expect(s.seen.unauthorized?.map((e) => [e.operation, e.reason])).toEqual([
      ['update', 'identity-mismatch'],
      ['deregister', 'identity-mismatch'],
    ]);
  });

  it('re-checks the identity on Update: revoked credentials end the registration', async () => {
    const res = await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', identity: 'dev1-id' }));
    const id = res.locationPath?.[1] as string;
    await s.securityStore.remove('dev1', true);
    expect((await s.handler.handle(inbound('POST', `/rd/${id}`, { identity: 'dev1-id' }))).code).toBe('4.03');
    expect(await s.store.count()).toBe(0);
    expect(s.seen.deregistered).toEqual([expect.objectContaining({ reason: 'revoked' })]);
    expect(s.seen.unauthorized).toEqual([expect.objectContaining({ operation: 'update', reason: 'unknown-identity' })]);
  });

  it('answers 4.05 for other methods and 4.00 for unknown update parameters', async () => {
    expect((await s.handler.handle(inbound('GET', '/rd', { identity: 'dev1-id' }))).code).toBe('4.05');
    const res = await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', identity: 'dev1-id' }));
    const id = res.locationPath?.[1] as string;
    expect((await s.handler.handle(inbound('POST', `/rd/${id}?ep=dev9`, { identity: 'dev1-id' }))).code).toBe('4.00');
    expect((await s.handler.handle(inbound('PUT', `/rd/${id}`, { identity: 'dev1-id' }))).code).toBe('4.05');
  });

  it('a new registration of an endpoint replaces the old one', async () => {
    const a = await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', identity: 'dev1-id' }));
    const b = await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', identity: 'dev1-id' }));
    expect(a.locationPath?.[1]).not.toBe(b.locationPath?.[1]);
    expect(await s.store.count()).toBe(1);
    expect((await s.store.getByEndpoint('dev1'))?.id).toBe(b.locationPath?.[1]);
    expect(await s.store.getById(a.locationPath?.[1] as string)).toBeUndefined();
    expect(s.seen.deregistered).toEqual([expect.objectContaining({ reason: 'replaced' })]);
    expect(s.seen.registered?.[1]?.replaced?.id).toBe(a.locationPath?.[1]);
  });

  it('expires a registration after its lifetime, and an Update postpones expiry', async () => {
    const a = await s.handler.handle(inbound('POST', '/rd?ep=dev1&lt=60', { payload: '</3/0>', identity: 'dev1-id' }));
    await s.handler.handle(inbound('POST', '/rd?ep=dev2&lt=100', { payload: '</3/0>', identity: 'dev2-id' }));
    const id1 = a.locationPath?.[1] as string;
    s.clock.advance(50_000);
    expect((await s.handler.handle(inbound('POST', `/rd/${id1}`, { identity: 'dev1-id' }))).code).toBe('2.04');
    s.clock.advance(59_000); // t = 109 s: dev2 (deadline 100 s) expired, dev1 (deadline 110 s) not
    await Promise.resolve();
    await s.handler.sweep();
    expect(s.seen.expired?.map((e) => e.registration.endpoint)).toEqual(['dev2']);
    expect(await s.store.getByEndpoint('dev1')).toBeDefined();
    s.clock.advance(1_000);
    await s.handler.sweep();
    expect(s.seen.expired?.map((e) => e.registration.endpoint)).toEqual(['dev2', 'dev1']);
    expect(await s.store.count()).toBe(0);
    expect(s.handler.stats().scheduled).toBe(0);
  });

  it('fires expiry from the injected clock alone (no sweep call)', async () => {
    await s.handler.handle(inbound('POST', '/rd?ep=dev1&lt=30', { payload: '</3/0>', identity: 'dev1-id' }));
    s.clock.advance(29_999);
    await new Promise((r) => setImmediate(r));
    expect(s.seen.expired).toBeUndefined();
    s.clock.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(s.seen.expired?.map((e) => e.registration.endpoint)).toEqual(['dev1']);
  });

  it('answers 5.03 when the security store fails, and keeps working', async () => {
    const failing = Object.assign(s.securityStore, {
      getByIdentity: async () => {
        throw new Error('chain down');
      },
    });
    expect(failing).toBeDefined();
    const res = await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', identity: 'dev1-id' }));
    expect(res.code).toBe('5.03');
    expect(s.handler.stats().failures).toBe(1);
  });
});

describe('RegistrationHandler with NoSec enabled', () => {
  it('accepts a NoSec registration for an endpoint without credentials, refuses one with credentials', async () => {
    const s = await setup({ allowNoSec: true });
    expect((await s.handler.handle(inbound('POST', '/rd?ep=plain-dev', { payload: '</3/0>' }))).code).toBe('2.01');
    expect((await s.store.getByEndpoint('plain-dev'))?.identity).toBeUndefined();
    expect((await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>' }))).code).toBe('4.03');
    expect(s.seen.unauthorized?.map((e) => e.reason)).toEqual(['nosec-for-secured-endpoint']);
    // A DTLS identity still has to match.
    expect((await s.handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', identity: 'dev2-id' }))).code).toBe('4.03');
  });
});

describe('RegistrationHandler id allocation', () => {
  it('never hands out an id in use: a stuck random source ends in 5.03, the first registration intact', async () => {
    const clock = new FakeClock(T0);
    const store = await FileRegistrationStore.open();
    const handler = new RegistrationHandler({
      store,
      securityStore: new TestSecurityStore([securityInfo('dev1'), securityInfo('dev2'), securityInfo('dev3')]),
      events: new Lwm2mServerEvents(),
      clock,
      random: { next: () => 0, bytes: (n) => new Uint8Array(n) },
      wallTime: () => clock.now(),
    });
    const a = await handler.handle(inbound('POST', '/rd?ep=dev1', { payload: '</3/0>', identity: 'dev1-id' }));
    expect(a.code).toBe('2.01');
    // Collision: drawn again, longer.
    const b = await handler.handle(inbound('POST', '/rd?ep=dev2', { payload: '</3/0>', identity: 'dev2-id' }));
    expect(b.code).toBe('2.01');
    expect(b.locationPath?.[1]).not.toBe(a.locationPath?.[1]);
    const c = await handler.handle(inbound('POST', '/rd?ep=dev3', { payload: '</3/0>', identity: 'dev3-id' }));
    expect(c.code).toBe('5.03');
    expect((await store.getByEndpoint('dev1'))?.id).toBe(a.locationPath?.[1]);
    expect((await store.getByEndpoint('dev2'))?.id).toBe(b.locationPath?.[1]);
    expect(await store.count()).toBe(2);
  });
});

describe('RegistrationHandler with hostile input', () => {
  it('answers every random request with a CoAP code and never throws or corrupts the store', async () => {
    const s = await setup({ allowNoSec: true });
    const rnd = seededRandom(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd.next() * xs.length)] as T;
    const pieces = ['ep=dev1', 'ep=', 'lt=60', 'lt=-1', 'lt=99999999999', 'lwm2m=1.1', 'lwm2m=x', 'b=U', 'b=UQQ', 'Q', 'sms=+123', 'sms=abc', '%00', 'ep=dev1&x'];
    const payloads = ['</3/0>', '</>;rt="oma.lwm2m";ct="1 x"', '<', '</3/0>;ver=', '</65535/0>', ',,,', '</3/0>,</3/0/0/0>', '\u0000\uffff'];
    const codes = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const query = Array.from({ length: Math.floor(rnd.next() * 4) }, () => pick(pieces));
      const payload = rnd.next() < 0.3 ? rnd.bytes(Math.floor(rnd.next() * 64)) : new TextEncoder().encode(pick(payloads));
      const path = pick([['rd'], ['rd', 'x'], ['rd', 'x', 'y'], ['rd', '']]);
      const req = { ...inbound(pick(['POST', 'DELETE', 'GET', 'PUT'] as const), '/rd', { ...(rnd.next() < 0.5 ? { identity: pick(['dev1-id', 'dev2-id', 'dev1-bs', 'zz']) } : {}) }), path, query, payload };
      const res = await s.handler.handle(req);
      expect(res.code).toMatch(/^(2\.01|4\.0[0345])$/);
      codes.add(res.code);
    }
    expect(codes.has('4.00')).toBe(true);
    expect(await s.store.count()).toBeLessThanOrEqual(2);
    expect(s.handler.stats().failures).toBe(0);
  });
});
