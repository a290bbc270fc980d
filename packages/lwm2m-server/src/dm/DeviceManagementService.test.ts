import { ContentFormat, CoapError, FakeClock, objectInstance, singleResource, type Registration } from '@chainm2m/lwm2m';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CoapClientPort, DeviceCoapRequest, DeviceCoapResponse } from '../coap/CoapPorts.js';
import { Lwm2mServerEvents, type NotificationEvent } from '../events/ServerEvents.js';
import { FileRegistrationStore } from '../store/FileRegistrationStore.js';
import { seededRandom } from '@chainm2m/lwm2m';
import { DeviceManagementService } from './DeviceManagementService.js';

const enc = new TextEncoder();
const T0 = 1_700_000_000_000;

function ok(code: string, payload = '', contentFormat?: number): DeviceCoapResponse {
  return { code, payload: enc.encode(payload), locationPath: [], ...(contentFormat !== undefined ? { contentFormat } : {}) };
}

/** A scripted device behind the CoapClientPort seam. */
class FakePort implements CoapClientPort {
  readonly requests: DeviceCoapRequest[] = [];
  respond: (req: DeviceCoapRequest) => DeviceCoapResponse | Error = () => ok('2.05', 'x', 0);
  notify: ((r: DeviceCoapResponse) => void) | undefined;
  readonly cancelled: (boolean | undefined)[] = [];
  forgotten = 0;
  async request(_peer: unknown, req: DeviceCoapRequest): Promise<DeviceCoapResponse> {
    this.requests.push(req);
    const r = this.respond(req);
    if (r instanceof Error) throw r;
    return r;
  }
  async observe(_peer: unknown, req: DeviceCoapRequest, onNotify: (r: DeviceCoapResponse) => void) {
    this.requests.push(req);
    this.notify = onNotify;
    const r = this.respond(req);
    if (r instanceof Error) throw r;
    return { response: { ...r, observe: 1 }, cancel: async (active?: boolean) => void this.cancelled.push(active) };
  }
  forgetPeer(): void {
    this.forgotten += 1;
  }
}

function registration(over: Partial<Registration> = {}): Registration {
  return {
    id: 'r1',
    endpoint: 'dev1',
    lifetime: 300,
    lwm2mVersion: '1.1',
    binding: 'U',
    queueMode: false,
    objectLinks: [{ path: '/3/0', objectId: 3, instanceId: 0 }],
    rootPath: '/',
    address: { address: '127.0.0.1', port: 5000 },
    identity: 'dev1-id',
    registeredAt: T0,
    lastUpdateAt: T0,
    ...over,
  };
}

async function setup(reg: Registration = registration(), queue = {}) {
  const clock = new FakeClock(T0);
  const events = new Lwm2mServerEvents();
  const store = await FileRegistrationStore.open();
  await store.add(reg);
  const port = new FakePort();
  const dm = new DeviceManagementService({
    registrations: store,
    events,
    transportFor: () => port,
    clock,
    random: seededRandom(),
    wallTime: () => clock.now(),
    requestTimeoutMs: 5000,
    queueMode: queue,
  });
  return { clock, events, store, port, dm };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('DeviceManagementService', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeEach(async () => {
    s = await setup();
  });

  it('maps operations to CoAP requests', async () => {
    await s.dm.read('dev1', '/3/0/0');
    await s.dm.write('dev1', '/3/0/15', { kind: 'value', value: 'UTC' });
    await s.dm.write('dev1', '/3/0', { kind: 'node', node: objectInstance(0, [singleResource(15, 'string', 'UTC')]) }, { mode: 'update', format: ContentFormat.SenmlJson });
    await s.dm.execute('dev1', '/3/0/4', { arguments: "0='on'" });
    await s.dm.writeAttributes('dev1', '/3/0/9', { pmin: 5, pmax: null, gt: -1.5 });
    await s.dm.delete('dev1', '/3303/1');
    expect(s.port.requests.map((r) => [r.method, r.path, r.query, r.accept, r.contentFormat, r.payload && new TextDecoder().decode(r.payload)])).toEqual([
      ['GET', ['3', '0', '0'], undefined, ContentFormat.Text, undefined, undefined],
      ['PUT', ['3', '0', '15'], undefined, undefined, ContentFormat.Text, 'UTC'],
      ['POST', ['3', '0'], undefined, undefined, ContentFormat.SenmlJson, '[{"bn":"/3/0/","n":"15","vs":"UTC"}]'],
      ['POST', ['3', '0', '4'], undefined, undefined, ContentFormat.Text, "0='on'"],
      ['PUT', ['3', '0', '9'], ['pmin=5', 'pmax', 'gt=-1.5'], undefined, undefined, undefined],
      ['DELETE', ['3303', '1'], undefined, undefined, undefined, undefined],
    ]);
    expect(s.port.requests.every((r) => r.timeoutMs === 5000)).toBe(true);
  });

  it('prefixes the alternate root path', async () => {
    const t = await setup(registration({ rootPath: '/lwm2m' }));
    await t.dm.read('dev1', '/3/0/0');
    expect(t.port.requests[0]?.path).toEqual(['lwm2m', '3', '0', '0']);
  });

  it('negotiates: retries the next format on 4.06 and returns decoded content', async () => {
    // LwM2M 1.1: SenML-CBOR first; this device refuses it, SenML-JSON is next.
    s.port.respond = (req) => (req.accept === ContentFormat.SenmlCbor ? ok('4.06') : ok('2.05', '[{"bn":"/3/0/","n":"0","vs":"acme"}]', req.accept));
    const c = await s.dm.read('dev1', '/3/0');
    expect(s.port.requests.map((r) => r.accept)).toEqual([ContentFormat.SenmlCbor, ContentFormat.SenmlJson]);
    expect(c.contentFormat).toBe(ContentFormat.SenmlJson);
    expect(c.node).toMatchObject({ kind: 'objectInstance', id: 0, resources: [{ kind: 'singleResource', id: 0, type: 'string', value: 'acme' }] });
    // A payload that does not decode comes back raw, with the reason.
    s.port.respond = () => ok('2.05', 'not json', ContentFormat.SenmlJson);
    const raw = await s.dm.read('dev1', '/3/0');
    expect(raw.node).toBeUndefined();
    expect(raw.decodeError).toBeDefined();
    expect(new TextDecoder().decode(raw.payload)).toBe('not json');
  });

  it('maps failures to typed errors', async () => {
    s.port.respond = () => ok('4.04');
    await expect(s.dm.read('dev1', '/3/0/0')).rejects.toMatchObject({ code: 'DEVICE_ERROR', coapCode: '4.04', details: { endpoint: 'dev1', path: '/3/0/0' } });
    s.port.respond = () => new CoapError('COAP_TIMEOUT', 'no response');
    await expect(s.dm.read('dev1', '/3/0/0')).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    s.port.respond = () => new CoapError('COAP_RESET', 'reset');
    await expect(s.dm.read('dev1', '/3/0/0')).rejects.toMatchObject({ code: 'DEVICE_UNREACHABLE' });
    await expect(s.dm.read('ghost', '/3/0/0')).rejects.toMatchObject({ code: 'DEVICE_NOT_REGISTERED' });
    await expect(s.dm.read('dev1', '/3/x')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(s.dm.execute('dev1', '/3/0')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(s.dm.execute('dev1', '/3/0/4', { arguments: 'caf\u00e9' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(s.dm.write('dev1', '/3/0', { kind: 'value', value: 1 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(s.dm.write('dev1', '/3/0/1', { kind: 'value', value: 'x' }, { mode: 'update' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(s.dm.write('dev1', '/3/0/1', { kind: 'value', value: 'x' }, { format: ContentFormat.Link })).rejects.toMatchObject({ code: 'UNSUPPORTED_CONTENT_FORMAT' });
    await expect(s.dm.cancelObservation('nope')).rejects.toMatchObject({ code: 'OBSERVATION_NOT_FOUND' });
  });

  it('encodes single values as text, bytes as opaque', async () => {
    await s.dm.write('dev1', '/3/0/13', { kind: 'value', value: new Date(1_700_000_000_000) });
    await s.dm.write('dev1', '/1/0/6', { kind: 'value', value: true });
    await s.dm.write('dev1', '/5/0/0', { kind: 'value', value: new Uint8Array([1, 2]) });
    await s.dm.write('dev1', '/3/0', { kind: 'node', node: { kind: 'objectInstance', id: 0, resources: [{ kind: 'singleResource', id: 15, type: 'string', value: 'UTC' }] } });
    expect(s.port.requests.map((r) => [r.contentFormat, Array.from(r.payload ?? []).slice(0, 10)])).toEqual([
      [ContentFormat.Text, Array.from(enc.encode('1700000000'))],
      [ContentFormat.Text, Array.from(enc.encode('1'))],
      [ContentFormat.Opaque, [1, 2]],
      [ContentFormat.SenmlCbor, expect.any(Array)],
    ]);
    await expect(s.dm.write('dev1', '/3/0/1', { kind: 'value', value: 12 })).rejects.toMatchObject({ code: 'BAD_REQUEST' }); // string resource
  });

  it('falls back to another format when a write is refused with 4.15 (node content only)', async () => {
    s.port.respond = (req) => (req.contentFormat === ContentFormat.SenmlCbor ? ok('4.15') : ok('2.04'));
    const node = { kind: 'objectInstance' as const, id: 0, resources: [{ kind: 'singleResource' as const, id: 15, type: 'string' as const, value: 'UTC' }] };
    await s.dm.write('dev1', '/3/0', { kind: 'node', node }, { mode: 'update' });
    expect(s.port.requests.map((r) => r.contentFormat)).toEqual([ContentFormat.SenmlCbor, ContentFormat.SenmlJson]);
    expect(JSON.parse(new TextDecoder().decode(s.port.requests[1]?.payload))).toEqual([{ bn: '/3/0/', n: '15', vs: 'UTC' }]);
    // An explicit format is sent as asked: no fallback.
    s.port.requests.length = 0;
    await expect(s.dm.write('dev1', '/3/0', { kind: 'node', node }, { format: ContentFormat.SenmlCbor })).rejects.toMatchObject({ coapCode: '4.15' });
    expect(s.port.requests).toHaveLength(1);
    // A 4.00 with a reason is not about the format: no fallback, the device's words reach the caller.
    s.port.requests.length = 0;
    s.port.respond = () => ({ ...ok('4.00', 'timezone unknown') });
    await expect(s.dm.write('dev1', '/3/0', { kind: 'node', node })).rejects.toMatchObject({ coapCode: '4.00', message: 'device answered 4.00: timezone unknown', details: { diagnostic: 'timezone unknown' } });
    expect(s.port.requests).toHaveLength(1);
  });

  it('reads composite with FETCH and a SenML-JSON path list (1.1 only)', async () => {
    s.port.respond = (req) => (req.accept === ContentFormat.SenmlCbor ? ok('4.06') : ok('2.05', '[{"n":"/3/0/0","vs":"a"},{"n":"/3303/0/5700","v":21.5}]', ContentFormat.SenmlJson));
    const c = await s.dm.readComposite('dev1', ['/3/0/0', '/3303/0/5700']);
    const req = s.port.requests[1];
    expect(req).toMatchObject({ method: 'FETCH', path: [], contentFormat: ContentFormat.SenmlJson, accept: ContentFormat.SenmlJson });
    expect(JSON.parse(new TextDecoder().decode(req?.payload))).toEqual([{ n: '/3/0/0' }, { n: '/3303/0/5700' }]);
    expect(c.nodes).toEqual([
      { path: '/3/0/0', node: { kind: 'singleResource', id: 0, type: 'string', value: 'a' } },
      { path: '/3303/0/5700', node: { kind: 'singleResource', id: 5700, type: 'float', value: 21.5 } },
    ]);
    const old = await setup(registration({ lwm2mVersion: '1.0' }));
    await expect(old.dm.readComposite('dev1', ['/3/0/0'])).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });

  it('observes (single and composite): notifications become events; cancel is passive or active', async () => {
    const seen: NotificationEvent[] = [];
    s.events.on('notification', (e) => seen.push(e));
    s.port.respond = () => ok('2.05', '20', ContentFormat.Text);
    const { observation, content } = await s.dm.observe('dev1', '/3303/0/5700');
    expect(content.node).toMatchObject({ kind: 'singleResource', id: 5700, type: 'float', value: 20 });
    s.port.notify?.(ok('2.05', '21.5', ContentFormat.Text));
    expect(seen.map((e) => [e.observationId, e.paths, e.content.node])).toEqual([[observation?.id, ['/3303/0/5700'], { kind: 'singleResource', id: 5700, type: 'float', value: 21.5 }]]);
    await s.dm.cancelObservation(observation?.id as string, { active: true });
    s.port.notify?.(ok('2.05', '22', ContentFormat.Text));
    expect(seen).toHaveLength(1);
    s.port.respond = () => ok('2.05', '[{"n":"/3/0/0","vs":"a"}]', ContentFormat.SenmlJson);
    const comp = await s.dm.observeComposite('dev1', ['/3/0/0', '/3303/0/5700']);
    expect(comp.observation).toMatchObject({ composite: true, paths: ['/3/0/0', '/3303/0/5700'] });
    expect(s.port.requests.at(-1)).toMatchObject({ method: 'FETCH', accept: ContentFormat.SenmlCbor });
    expect(comp.content.nodes?.[0]).toEqual({ path: '/3/0/0', node: { kind: 'singleResource', id: 0, type: 'string', value: 'a' } });
    await s.dm.cancelObservation(comp.observation?.id as string);
    expect(s.port.cancelled).toEqual([true, false]);
  });

  it('observe falls back to the next format when the device answers 4.06', async () => {
    s.port.respond = (req) => (req.accept === ContentFormat.SenmlCbor ? ok('4.06') : ok('2.05', '[{"bn":"/3/0/","n":"0","vs":"a"}]', ContentFormat.SenmlJson));
    const r = await s.dm.observe('dev1', '/3/0');
    expect(s.port.requests.map((q) => q.accept)).toEqual([ContentFormat.SenmlCbor, ContentFormat.SenmlJson]);
    expect(r.observation).toBeDefined();
    expect(r.content.node).toMatchObject({ kind: 'objectInstance' });
  });

  it('ends observations when the registration ends', async () => {
    const { observation } = await s.dm.observe('dev1', '/3/0/0');
    expect(s.dm.observations()).toHaveLength(1);
    const reg = await s.store.getById('r1');
    s.events.emit('expired', { registration: reg as Registration });
    expect(s.dm.observations()).toEqual([]);
    expect(s.port.cancelled).toEqual([false]);
    expect(observation).toBeDefined();
  });
});

describe('DeviceManagementService queue mode', () => {
  it('holds requests for a sleeping device and sends them, in order, when it wakes up', async () => {
    const t = await setup(registration({ queueMode: true, binding: 'UQ' }), { awakeWindowMs: 10_000, maxWaitMs: 60_000 });
    const reg = (await t.store.getById('r1')) as Registration;
    const a = t.dm.read('dev1', '/3/0/0');
    const b = t.dm.write('dev1', '/3/0/15', { kind: 'value', value: 'UTC' });
    await tick();
    expect(t.port.requests).toEqual([]);
    expect(t.dm.pending('dev1')).toBe(2);
    t.events.emit('awake', { registration: reg }); // Update received
    await expect(a).resolves.toMatchObject({ node: { value: 'x' } });
    await b;
    expect(t.port.requests.map((r) => r.method)).toEqual(['GET', 'PUT']);
    // Still awake: goes straight out.
    await t.dm.read('dev1', '/3/0/1');
    expect(t.port.requests).toHaveLength(3);
    // Asleep again after the awake window.
    t.clock.advance(10_001);
    const c = t.dm.read('dev1', '/3/0/2');
    await tick();
    expect(t.port.requests).toHaveLength(3);
    t.events.emit('awake', { registration: reg });
    await c;
    expect(t.port.requests).toHaveLength(4);
  });

  it('bounds the queue and expires held requests at their deadline', async () => {
    const t = await setup(registration({ queueMode: true, binding: 'UQ' }), { maxPerDevice: 2, maxWaitMs: 30_000 });
    const a = t.dm.read('dev1', '/3/0/0');
    const b = t.dm.read('dev1', '/3/0/1');
    await tick();
    await expect(t.dm.read('dev1', '/3/0/2')).rejects.toMatchObject({ code: 'DEVICE_QUEUE_FULL' });
    t.clock.advance(30_000);
    await expect(a).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    await expect(b).rejects.toMatchObject({ code: 'DEVICE_TIMEOUT' });
    expect(t.dm.pending('dev1')).toBe(0);
    expect(t.port.requests).toEqual([]);
  });

  it('rejects held requests when the device de-registers', async () => {
    const t = await setup(registration({ queueMode: true, binding: 'UQ' }));
    const a = t.dm.read('dev1', '/3/0/0');
    await tick();
    t.events.emit('deregistered', { registration: (await t.store.getById('r1')) as Registration, reason: 'client' });
    await expect(a).rejects.toMatchObject({ code: 'DEVICE_NOT_REGISTERED' });
  });

  it('writes in the asked-for format, even one the device did not announce; 1.0 devices get TLV', async () => {
    const t = await setup(registration({ supportedContentFormats: [ContentFormat.SenmlJson] }));
    await t.dm.write('dev1', '/3/0/15', { kind: 'value', value: 'UTC' }, { format: ContentFormat.Tlv });
    await t.dm.write('dev1', '/3/0', { kind: 'node', node: objectInstance(0, [singleResource(15, 'string', 'UTC')]) }, { format: ContentFormat.Tlv });
    expect(t.port.requests.map((r) => r.contentFormat)).toEqual([ContentFormat.Tlv, ContentFormat.Tlv]);
    const v10 = await setup(registration({ lwm2mVersion: '1.0' }));
    await v10.dm.write('dev1', '/3/0', { kind: 'node', node: objectInstance(0, [singleResource(15, 'string', 'UTC')]) });
    expect(v10.port.requests.map((r) => r.contentFormat)).toEqual([ContentFormat.Tlv]);
  });

  it('creates without an id (TLV, no instance in the payload) and returns the Location-Path', async () => {
    const s = await setup();
    s.port.respond = () => ({ code: '2.01', payload: new Uint8Array(0), locationPath: ['3303', '1'] });
    const created = await s.dm.create('dev1', '/3303', { resources: [singleResource(5750, 'string', 'lab')] });
    expect(created).toEqual({ location: '/3303/1' });
    const req = s.port.requests[0];
    expect(req).toMatchObject({ method: 'POST', path: ['3303'], contentFormat: ContentFormat.Tlv });
    expect((req?.payload?.[0] ?? 0) >> 6).toBe(3); // a resource TLV first: no object instance named
    // With an id, and a SenML-only device without an id: the lowest id the registration does not list.
    const senml = await setup(registration({ supportedContentFormats: [ContentFormat.SenmlJson], objectLinks: [{ path: '/3303/0', objectId: 3303, instanceId: 0 }] }));
    senml.port.respond = () => ({ code: '2.01', payload: new Uint8Array(0), locationPath: [] });
    expect(await senml.dm.create('dev1', '/3303', { resources: [singleResource(5750, 'string', 'lab')] })).toEqual({});
    expect(new TextDecoder().decode(senml.port.requests[0]?.payload)).toBe('[{"bn":"/3303/","n":"1/5750","vs":"lab"}]');
    s.port.respond = () => ok('4.00', 'instance 1 exists');
    await expect(s.dm.create('dev1', '/3303', { instanceId: 1, resources: [] })).rejects.toMatchObject({ code: 'DEVICE_ERROR', coapCode: '4.00', message: 'device answered 4.00: instance 1 exists' });
  });

  it('writes composite with iPATCH / in SenML', async () => {
    const s = await setup();
    s.port.respond = () => ok('2.04');
    await s.dm.writeComposite('dev1', [
      { path: '/3/0/15', node: singleResource(15, 'string', 'UTC') },
      { path: '/3303/0/5750', node: singleResource(5750, 'string', 'lab') },
    ], { format: ContentFormat.SenmlJson });
    expect(s.port.requests[0]).toMatchObject({ method: 'IPATCH', path: [], contentFormat: ContentFormat.SenmlJson });
    expect(JSON.parse(new TextDecoder().decode(s.port.requests[0]?.payload))).toEqual([{ bn: '/3/0/15', vs: 'UTC' }, { bn: '/3303/0/5750', vs: 'lab' }]);
    await expect(s.dm.writeComposite('dev1', [{ path: '/3/0/15', node: singleResource(15, 'string', 'UTC') }], { format: ContentFormat.Tlv })).rejects.toMatchObject({ code: 'UNSUPPORTED_CONTENT_FORMAT' });
  });
});
