import { ContentFormat, InMemorySecurityStore, ObjectRegistry, singleResource, encodeNodes, parsePath, type Registration } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import type { InboundCoapRequest } from '../coap/CoapPorts.js';
import { Lwm2mServerEvents, type SendEvent, type SendRefusedEvent } from '../events/ServerEvents.js';
import { FileRegistrationStore } from '../store/FileRegistrationStore.js';
import { securityInfo } from '../testing/fixtures.js';
import { LatestValues } from './LatestValues.js';
import { SendHandler } from './SendHandler.js';

const T0 = Date.parse('2026-12-04T18:00:00Z');
const enc = new TextEncoder();

function reg(over: Partial<Registration>): Registration {
  return {
    id: 'r1',
    endpoint: 'meter-1',
    lifetime: 300,
    lwm2mVersion: '1.1',
    binding: 'U',
    queueMode: false,
    objectLinks: [{ path: '/3303/0', objectId: 3303, instanceId: 0 }],
    rootPath: '/',
    address: { address: '10.0.0.7', port: 5683 },
    registeredAt: T0,
    lastUpdateAt: T0,
    ...over,
  };
}

function send(payload: Uint8Array, from: { address: string; port: number }, identity?: string, contentFormat: number = ContentFormat.SenmlJson): InboundCoapRequest {
  return {
    method: 'POST',
    path: ['dp'],
    query: [],
    contentFormat,
    payload,
    token: Uint8Array.of(1),
    confirmable: true,
    peer: from,
    security: identity !== undefined ? { pskIdentity: identity } : {},
  } as InboundCoapRequest;
}

async function setup() {
  const store = await FileRegistrationStore.open();
  const events = new Lwm2mServerEvents();
  const latest = new LatestValues();
  const handler = new SendHandler({ registrations: store, securityStore: new InMemorySecurityStore([securityInfo('meter-2')]), events, latest, objects: new ObjectRegistry(), wallTime: () => T0 + 5000 });
  const sent: SendEvent[] = [];
  const refused: SendRefusedEvent[] = [];
  events.on('send', (e) => sent.push(e));
  events.on('sendRefused', (e) => refused.push(e));
  return { store, events, latest, handler, sent, refused };
}

describe('SendHandler', () => {
  it('takes values from a NoSec client known by its address, keeping its times; older values do not replace newer', async () => {
    const s = await setup();
    const r = reg({});
    await s.store.add(r);
    s.events.emit('registered', { registration: r });
    const t = Math.floor(T0 / 1000);
    const body = enc.encode(JSON.stringify([{ bn: '/3303/0/', bt: t, n: '5700', v: 21.5 }, { n: '5700', t: -60, v: 20 }]));
    expect(await s.handler.handle(send(body, r.address))).toEqual({ code: '2.04' });
    expect(s.sent).toHaveLength(1);
    expect(s.sent[0]?.values.map((v) => [v.path, (v.node as { value: number }).value, v.time])).toEqual([
      ['/3303/0/5700', 20, T0 - 60_000],
      ['/3303/0/5700', 21.5, T0],
    ]);
    expect(s.latest.get('meter-1').map((v) => [v.path, (v.node as { value: number }).value, v.receivedAt])).toEqual([['/3303/0/5700', 21.5, T0 + 5000]]);
    expect(s.handler.stats()).toEqual({ accepted: 1, refused: 0, values: 2 });
  });

  it('knows a DTLS client by its identity, and refuses one that is not registered', async () => {
    const s = await setup();
    const payload = encodeNodes([{ path: parsePath('/3303/0/5700'), node: singleResource(5700, 'float', 4.5) }], ContentFormat.SenmlCbor);
    const from = { address: '10.0.0.8', port: 40000 };
    const before = await s.handler.handle(send(payload, from, 'meter-2-id', ContentFormat.SenmlCbor));
    expect(before.code).toBe('4.03');
    expect(s.refused[0]).toMatchObject({ reason: 'not-registered', coapCode: '4.03', identity: 'meter-2-id', peer: from });
    await s.store.add(reg({ id: 'r2', endpoint: 'meter-2', identity: 'meter-2-id', address: from }));
    expect((await s.handler.handle(send(payload, from, 'meter-2-id', ContentFormat.SenmlCbor))).code).toBe('2.04');
    expect(s.latest.get('meter-2', '/3303/0')).toHaveLength(1);
    // A DTLS identity of another endpoint is not that endpoint.
    expect((await s.handler.handle(send(payload, from, 'someone-else'))).code).toBe('4.03');
  });

  it('refuses what it cannot take, saying why, and forgets a client that de-registered', async () => {
    const s = await setup();
    const r = reg({});
    await s.store.add(r);
    s.events.emit('registered', { registration: r });
    const bad = await s.handler.handle(send(enc.encode('[{"n":"/3303/0/5700","v":'), r.address));
    expect(bad.code).toBe('4.00');
    expect(new TextDecoder().decode(bad.payload)).not.toBe('');
    expect((await s.handler.handle(send(enc.encode('21.5'), r.address, undefined, ContentFormat.Text))).code).toBe('4.15');
    s.events.emit('deregistered', { registration: r, reason: 'client' });
    expect((await s.handler.handle(send(enc.encode('[]'), r.address))).code).toBe('4.03');
    expect(s.refused.map((e) => e.reason)).toEqual(['bad-request', 'bad-request', 'not-registered']);
    expect(s.sent).toHaveLength(0);
  });
});
