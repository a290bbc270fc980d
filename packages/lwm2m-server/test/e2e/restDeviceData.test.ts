/**
 * The REST API end to end with the real LwM2M server over DTLS and the simulated device
 * (@chainm2m/client-sim): Create without an id next to an existing instance, `?format=tlv`
 * reaching the device as TLV, Send on /api/events and in `GET …/data`, and Read-, Observe- and
 * Write-Composite, with composite notifications on /api/events.
 */
import type { AddressInfo } from 'node:net';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { createPasswordVerifier, verifyPassword } from '@chainm2m/chain-adapter';
import { CoapEndpoint, ContentFormat, InMemoryAnomalyLog, InMemorySecurityStore, InMemoryUserDirectory, ObjectRegistry, SystemClock, SystemRandom, type CoapRequest } from '@chainm2m/lwm2m';
import { SimDevice, defaultConnector } from '@chainm2m/client-sim';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SendRefusedEvent } from '../../src/index.js';
import {
  apiEventsFromServer,
  buildApp,
  deviceApiFromServer,
  deviceDataApiFromServer,
  EndpointService,
  startLwm2mServer,
  UserService,
  type Lwm2mServer,
} from '../../src/index.js';
import { securityInfo } from '../../src/testing/fixtures.js';

const enc = new TextEncoder();

/** An object the server has no model of; the device knows it from this DDF. */
const METER_DDF = `<?xml version="1.0" encoding="utf-8"?>
<LWM2M><Object ObjectType="MODefinition">
  <Name>Chain Meter</Name><Description1></Description1><ObjectID>32769</ObjectID><ObjectURN>urn:oma:lwm2m:x:32769</ObjectURN>
  <LWM2MVersion>1.1</LWM2MVersion><ObjectVersion>1.0</ObjectVersion><MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory>
  <Resources>
    <Item ID="0"><Name>Reading</Name><Operations>RW</Operations><MultipleInstances>Single</MultipleInstances><Mandatory>Mandatory</Mandatory><Type>Float</Type><RangeEnumeration></RangeEnumeration><Units>kWh</Units><Description></Description></Item>
    <Item ID="1"><Name>Tariffs</Name><Operations>RW</Operations><MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory><Type>Unsigned Integer</Type><RangeEnumeration></RangeEnumeration><Units></Units><Description></Description></Item>
    <Item ID="3"><Name>Peer</Name><Operations>RW</Operations><MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory><Type>Objlnk</Type><RangeEnumeration></RangeEnumeration><Units></Units><Description></Description></Item>
  </Resources><Description2></Description2>
</Object></LWM2M>`;
const NOW_SEC = Math.floor(Date.parse('2026-12-04T18:30:00Z') / 1000);

/** An SSE subscription: the events received so far, as `{ type, data }`. */
function subscribe(port: number, token: string, types: string): { events: { type: string; data: Record<string, unknown> }[]; connected: Promise<void>; close(): void } {
  const events: { type: string; data: Record<string, unknown> }[] = [];
  let req: ClientRequest | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    req = httpRequest({ host: '127.0.0.1', port, path: `/api/events?types=${types}`, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let buf = '';
      res.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        if (buf.includes(': connected')) resolve();
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const type = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (type && data) events.push({ type, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
  return { events, connected, close: () => req?.destroy() };
}

describe('REST device data against SimDevice over DTLS', () => {
  let server: Lwm2mServer;
  let device: SimDevice;
  let app: FastifyInstance;
  let token: string;
  let apiPort: number;
  const seen: CoapRequest[] = [];
  const securityStore = new InMemorySecurityStore([securityInfo('sim-rest'), securityInfo('not-registered')]);

  beforeAll(async () => {
    server = await startLwm2mServer({ securityStore, host: '127.0.0.1', port: 0, requestTimeoutMs: 10_000 });
    const deviceModels = new ObjectRegistry();
    deviceModels.loadDdf(METER_DDF);
    device = new SimDevice({
      endpoint: 'sim-rest',
      registry: deviceModels,
      autoUpdate: false,
      // The device's own CoAP endpoint, recording what the server sends.
      endpointFactory: (o) =>
        new CoapEndpoint({
          ...o,
          handler: async (req, ctx) => {
            seen.push(req);
            if (!o.handler) return { code: '5.00' };
            return o.handler(req, ctx);
          },
        }),
    });
    const info = await securityStore.getByEndpoint('sim-rest');
    const t = device.objects;
    t.set(0, 1, 0, `coaps://127.0.0.1:${server.addresses.coaps.port}`);
    t.set(0, 1, 1, false);
    t.set(0, 1, 2, 0);
    t.set(0, 1, 3, enc.encode('sim-rest-id'));
    t.set(0, 1, 5, info?.server.key as Uint8Array);
    t.set(0, 1, 10, 101);
    t.set(1, 0, 0, 101);
    t.set(1, 0, 1, 300);
    t.set(1, 0, 7, 'U');
    t.createInstance(32769, 0);
    t.set(32769, 0, 0, 1250.5);
    t.set(32769, 0, 1, new Map([[0, 2], [1, 3]]));
    await device.register();

    const users = new UserService(new InMemoryUserDirectory(() => NOW_SEC), { hash: (p) => createPasswordVerifier(p, { N: 1024, r: 8, p: 1 }), verify: verifyPassword });
    const endpoints = new EndpointService(
      securityStore,
      { bootstrapServerUri: 'coaps://127.0.0.1:5784', serverUri: 'coaps://127.0.0.1:5684', shortServerId: 101, lifetime: 300, binding: 'U', clearance: 0 },
      { next: () => 0.5, bytes: (n) => new Uint8Array(n).fill(7) },
      'test-registrar',
      () => NOW_SEC,
    );
    app = await buildApp({
      users,
      endpoints,
      devices: deviceApiFromServer({ registrations: server.registrations, devices: server.devices, security: securityStore }),
      deviceData: deviceDataApiFromServer({ devices: server.devices, latestValues: server.latestValues, security: securityStore }),
      anomalies: new InMemoryAnomalyLog('0xreporter', () => NOW_SEC),
      events: apiEventsFromServer(server.events),
      jwt: { keys: { algorithm: 'HS256', secret: 'a-test-secret-that-is-at-least-32-bytes-long' }, issuer: 'chainm2m', audience: 'chainm2m-api', expiresInSec: 3600 },
    });
    await users.add({ username: 'app1', role: 'application', password: 'app-password-2026', clearance: 1 });
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'app1', password: 'app-password-2026' } });
    token = (login.json() as { token: string }).token;
    await app.listen({ port: 0, host: '127.0.0.1' });
    apiPort = (app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await device?.stop();
    await server?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });

  it('creates without an id next to instance 0: the device chooses, the location comes back', async () => {
    expect(device.objects.hasInstance(3303, 0)).toBe(true);
    const res = await call('POST', '/api/clients/sim-rest/3303', { content: { 5701: 'K' } });
    expect(res.statusCode).toBe(201);
    const location = (res.json() as { location: string }).location;
    expect(location).toMatch(/^\/3303\/[1-9]\d*$/);
    const id = Number(location.split('/')[2]);
    expect(device.objects.get(3303, id, 5701)).toBe('K');
    const sent = seen.filter((r) => r.method === 'POST' && r.path.join('/') === '3303').at(-1);
    expect(sent?.contentFormat).toBe(ContentFormat.Tlv);
  });

  it('creates with an id, and passes the device refusal with its words', async () => {
    const ok = await call('POST', '/api/clients/sim-rest/3303', { content: { id: 42, resources: { 5701: 'F' } } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ location: '/3303/42' });
    const again = await call('POST', '/api/clients/sim-rest/3303', { content: { id: 42, resources: { 5701: 'F' } } });
    expect(again.statusCode).toBe(400);
    expect((again.json() as { message: string }).message).toContain('instance exists');
  });

  it('?format=tlv on resource and instance writes reaches the device as TLV', async () => {
    seen.length = 0;
    expect((await call('PUT', '/api/clients/sim-rest/3/0/15?format=tlv', { content: 'Europe/Lisbon' })).statusCode).toBe(204);
    expect((await call('PUT', '/api/clients/sim-rest/3/0?format=tlv&replace=false', { content: { 15: 'Europe/Paris' } })).statusCode).toBe(204);
    expect(seen.map((r) => [r.method, r.path.join('/'), r.contentFormat])).toEqual([
      ['PUT', '3/0/15', ContentFormat.Tlv],
      ['POST', '3/0', ContentFormat.Tlv],
    ]);
    expect(device.objects.get(3, 0, 15)).toBe('Europe/Paris');
    seen.length = 0;
    const read = await call('GET', '/api/clients/sim-rest/3/0/15?format=senml-json');
    expect(read.statusCode).toBe(200);
    expect(seen[0]?.accept).toBe(ContentFormat.SenmlJson);
  });

  it('a Send from the device appears on /api/events with its time and in GET …/data', async () => {
    const sse = subscribe(apiPort, token, 'send');
    try {
      await sse.connected;
      device.objects.set(3303, 0, 5700, 21.75);
      await device.send(['/3303/0/5700', '/3/0/15'], ContentFormat.SenmlCbor, { time: NOW_SEC });
      await vi.waitFor(() => expect(sse.events).toHaveLength(1));
      const ev = sse.events[0]?.data as { endpoint: string; values: { path: string; node: { value: unknown }; time: string }[] };
      expect(ev.endpoint).toBe('sim-rest');
      expect(ev.values.map((v) => [v.path, v.node.value, v.time])).toEqual([
        ['/3303/0/5700', 21.75, '2026-12-04T18:30:00.000Z'],
        ['/3/0/15', 'Europe/Paris', '2026-12-04T18:30:00.000Z'],
      ]);
      const data = await call('GET', '/api/clients/sim-rest/data?path=/3303');
      expect(data.statusCode).toBe(200);
      expect(data.json()).toMatchObject({ values: [{ path: '/3303/0/5700', node: { kind: 'singleResource', value: 21.75 }, time: '2026-12-04T18:30:00.000Z' }] });
      expect(((await call('GET', '/api/clients/sim-rest/data')).json() as { values: unknown[] }).values).toHaveLength(2);
    } finally {
      sse.close();
    }
  });

  it('reads, observes and writes composite', async () => {
    const read = await call('GET', '/api/clients/sim-rest/composite?paths=/3/0/15,/3303/0/5701');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({
      content: [
        { path: '/3/0/15', node: { kind: 'singleResource', id: 15, type: 'string', value: 'Europe/Paris' } },
        { path: '/3303/0/5701', node: expect.objectContaining({ kind: 'singleResource', id: 5701 }) },
      ],
    });
    const cbor = await call('GET', '/api/clients/sim-rest/composite?paths=/3/0/15&format=senml-cbor');
    expect(cbor.statusCode).toBe(200);
    expect(seen.at(-1)).toMatchObject({ method: 'FETCH', accept: ContentFormat.SenmlCbor });

    const sse = subscribe(apiPort, token, 'notification');
    try {
      await sse.connected;
      const obs = await call('POST', '/api/clients/sim-rest/composite/observe?paths=/3/0/15,/3303/0/5750');
      expect(obs.statusCode).toBe(200);
      const observationId = (obs.json() as { observationId: string }).observationId;
      expect(observationId).toMatch(/^[0-9a-f]{16}$/);

      const write = await call('PUT', '/api/clients/sim-rest/composite', { values: { '/3/0/15': 'Asia/Tokyo', '/3303/0/5750': 'cold room' } });
      expect(write.statusCode).toBe(204);
      expect(seen.at(-1)).toMatchObject({ method: 'IPATCH' });
      expect(device.objects.get(3, 0, 15)).toBe('Asia/Tokyo');
      expect(device.objects.get(3303, 0, 5750)).toBe('cold room');

      await vi.waitFor(() => {
        const n = sse.events.find((e) => JSON.stringify(e.data).includes('Asia/Tokyo'));
        expect(n?.data).toMatchObject({ endpoint: 'sim-rest', observationId, paths: ['/3/0/15', '/3303/0/5750'] });
      }, { timeout: 5000 });
      expect((await call('DELETE', `/api/clients/sim-rest/composite/observe/${observationId}`)).statusCode).toBe(204);
      expect(server.devices.observations('sim-rest')).toHaveLength(0);
    } finally {
      sse.close();
    }
    const bad = await call('PUT', '/api/clients/sim-rest/composite', { values: { '/3/0': 'x' } });
    expect(bad.statusCode).toBe(400);
  });

  it('reads, writes and creates an object the server has no model of', async () => {
    expect(server.devices.objectRegistry.has(32769)).toBe(false);
    const read = await call('GET', '/api/clients/sim-rest/32769/0');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      content: { kind: 'objectInstance', id: 0, resources: [{ id: 0, value: 1250.5 }, { id: 1, kind: 'multipleResource', values: { 0: 2, 1: 3 } }] },
    });
    // Untyped JSON is typed from the value; an explicit type is taken as given.
    expect((await call('PUT', '/api/clients/sim-rest/32769/0/1', { content: [4, 5, 6] })).statusCode).toBe(204);
    expect(device.objects.get(32769, 0, 1)).toEqual(new Map([[0, 4], [1, 5], [2, 6]]));
    expect((await call('PUT', '/api/clients/sim-rest/32769/0/3', { content: { type: 'objlnk', value: '3303:0' } })).statusCode).toBe(204);
    expect(device.objects.get(32769, 0, 3)).toEqual({ objectId: 3303, instanceId: 0 });
    expect((await call('PUT', '/api/clients/sim-rest/32769/0?replace=false&format=tlv', { content: { 0: { type: 'float', value: 1300 } } })).statusCode).toBe(204);
    expect(device.objects.get(32769, 0, 0)).toBe(1300);
    const created = await call('POST', '/api/clients/sim-rest/32769', { content: { 0: 0.25 } });
    expect(created.statusCode).toBe(201);
    const id = Number((created.json() as { location: string }).location.split('/')[2]);
    expect(device.objects.get(32769, id, 0)).toBe(0.25);
    // Read back in TLV without a model: the values are opaque bytes, as the format carries them.
    const tlv = await call('GET', '/api/clients/sim-rest/32769/0/0?format=tlv');
    expect(tlv.json()).toMatchObject({ content: { kind: 'singleResource', id: 0, type: 'opaque' } });
  });

  it('refuses a Send over DTLS from an endpoint that has credentials but is not registered, and says so', async () => {
    const refused: SendRefusedEvent[] = [];
    const off = server.events.on('sendRefused', (e) => refused.push(e));
    const info = await securityStore.getByEndpoint('not-registered');
    const conn = await defaultConnector({ scheme: 'coaps', host: '127.0.0.1', port: server.addresses.coaps.port, identity: 'not-registered-id', key: info?.server.key as Uint8Array, clock: SystemClock, random: SystemRandom, timeoutMs: 5000 });
    const coap = new CoapEndpoint({ transport: conn.transport, clock: SystemClock, random: SystemRandom });
    try {
      const payload = enc.encode(JSON.stringify([{ n: '/3303/0/5700', v: 99 }]));
      const res = await coap.request(conn.peer, { method: 'POST', path: ['dp'], contentFormat: ContentFormat.SenmlJson, payload });
      expect(res.code).toBe('4.03');
      expect(new TextDecoder().decode(res.payload)).toContain('not registered');
      expect(refused).toEqual([expect.objectContaining({ reason: 'not-registered', identity: 'not-registered-id', coapCode: '4.03' })]);
      expect(((await call('GET', '/api/clients/not-registered/data')).json() as { values: unknown[] }).values).toEqual([]);
    } finally {
      off();
      await coap.close();
    }
  });
});
