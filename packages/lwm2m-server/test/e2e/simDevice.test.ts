/**
 * Device management end to end over DTLS against the project's simulated device (SimDevice from
 * @chainm2m/client-sim, a separately written LwM2M 1.1 client): register, read with negotiated
 * formats, write, execute, create/delete, discover, write-attributes, observe + notifications,
 * cancel, de-register; and revocation of the endpoint in the security store.
 */
import { ContentFormat, InMemorySecurityStore, singleResource } from '@chainm2m/lwm2m';
import { SimDevice } from '@chainm2m/client-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLwm2mServer, type Lwm2mServer, type Lwm2mServerEventMap } from '../../src/index.js';
import { securityInfo } from '../../src/testing/fixtures.js';

const enc = new TextEncoder();

function provision(device: SimDevice, serverPort: number, identity: string, key: Uint8Array, binding = 'U'): void {
  const t = device.objects;
  t.set(0, 1, 0, `coaps://127.0.0.1:${serverPort}`);
  t.set(0, 1, 1, false);
  t.set(0, 1, 2, 0);
  t.set(0, 1, 3, enc.encode(identity));
  t.set(0, 1, 5, key);
  t.set(0, 1, 10, 101);
  t.set(1, 0, 0, 101);
  t.set(1, 0, 1, 300);
  t.set(1, 0, 7, binding);
}

function nextEvent<K extends keyof Lwm2mServerEventMap>(server: Lwm2mServer, name: K, pred: (e: Lwm2mServerEventMap[K]) => boolean = () => true): Promise<Lwm2mServerEventMap[K]> {
  return new Promise((resolve) => {
    const off = server.events.on(name, (e) => {
      if (!pred(e)) return;
      off();
      resolve(e);
    });
  });
}

describe('DeviceManagementService against SimDevice over DTLS', () => {
  let server: Lwm2mServer;
  let device: SimDevice;
  const securityStore = new InMemorySecurityStore([securityInfo('sim1')]);

  beforeAll(async () => {
    server = await startLwm2mServer({ securityStore, host: '127.0.0.1', port: 0, requestTimeoutMs: 10_000 });
    device = new SimDevice({ endpoint: 'sim1', autoUpdate: false });
    const info = await securityStore.getByEndpoint('sim1');
    provision(device, server.addresses.coaps.port, 'sim1-id', info?.server.key as Uint8Array);
  });
  afterAll(async () => {
    await device?.stop();
    await server?.close();
  });

  it('registers over DTLS with the announced objects and content formats', async () => {
    const { location } = await device.register();
    const reg = await server.registrations.get('sim1');
    expect(location).toBe(`/rd/${reg?.id}`);
    expect(reg).toMatchObject({ lwm2mVersion: '1.1', identity: 'sim1-id', binding: 'U' });
    expect(reg?.objectLinks.map((l) => l.path)).toEqual(expect.arrayContaining(['/1/0', '/3/0', '/3303/0']));
    expect(reg?.supportedContentFormats).toEqual(expect.arrayContaining([ContentFormat.SenmlJson]));
    expect((await server.registrations.list()).total).toBe(1);
  });

  it('reads a single resource as text and an instance in a negotiated SenML format', async () => {
    const manufacturer = await server.devices.read('sim1', '/3/0/0');
    expect(manufacturer).toMatchObject({ contentFormat: ContentFormat.Text, node: { kind: 'singleResource', id: 0, type: 'string', value: 'chainm2m' } });
    const temp = await server.devices.read('sim1', '/3303/0');
    const reg = await server.registrations.get('sim1');
    // The first LwM2M 1.1 node format the device announced (SenML-CBOR when it has it).
    expect(temp.contentFormat).toBe(reg?.supportedContentFormats?.includes(ContentFormat.SenmlCbor) ? ContentFormat.SenmlCbor : ContentFormat.SenmlJson);
    expect(temp.node?.kind).toBe('objectInstance');
    const units = temp.node?.kind === 'objectInstance' ? temp.node.resources.find((r) => r.id === 5701) : undefined;
    expect(units).toMatchObject({ kind: 'singleResource', type: 'string', value: 'Cel' });
    const value = temp.node?.kind === 'objectInstance' ? temp.node.resources.find((r) => r.id === 5700) : undefined;
    expect(value).toMatchObject({ kind: 'singleResource', type: 'float' });
  });

  it('reads composite (FETCH) into nodes by path', async () => {
    const c = await server.devices.readComposite('sim1', ['/3/0/0', '/3303/0/5701']);
    expect(c.nodes).toEqual([
      { path: '/3/0/0', node: { kind: 'singleResource', id: 0, type: 'string', value: 'chainm2m' } },
      { path: '/3303/0/5701', node: { kind: 'singleResource', id: 5701, type: 'string', value: 'Cel' } },
    ]);
  });

  it('writes (replace) a resource, executes one, discovers and writes attributes', async () => {
    await server.devices.write('sim1', '/3/0/15', { kind: 'value', value: 'Europe/Madrid' });
    expect((await server.devices.read('sim1', '/3/0/15')).node).toMatchObject({ value: 'Europe/Madrid' });
    const before = device.reboots;
    await server.devices.execute('sim1', '/3/0/4');
    expect(device.reboots).toBe(before + 1);
    const links = await server.devices.discover('sim1', '/3303/0');
    expect(links.map((l) => l.uri)).toEqual(expect.arrayContaining(['/3303/0', '/3303/0/5700']));
    await server.devices.writeAttributes('sim1', '/3303/0/5700', { pmin: 1, pmax: 60 });
    await expect(server.devices.writeAttributes('sim1', '/3303/0/5700', {})).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('partially updates an instance with an encoded node (negotiated format)', async () => {
    const node = { kind: 'objectInstance' as const, id: 0, resources: [{ kind: 'singleResource' as const, id: 15, type: 'string' as const, value: 'America/Lima' }] };
    await server.devices.write('sim1', '/3/0', { kind: 'node', node }, { mode: 'update' });
    expect(device.objects.get(3, 0, 15)).toBe('America/Lima');
    expect(device.objects.get(3, 0, 0)).toBe('chainm2m'); // untouched by a partial update
  });

  it('creates and deletes an instance', async () => {
    const created = await server.devices.create('sim1', '/3303', { instanceId: 7, resources: [singleResource(5701, 'string', 'K')] }, { format: ContentFormat.SenmlJson });
    expect(device.objects.hasInstance(3303, 7)).toBe(true);
    expect(created.location === undefined || created.location === '/3303/7').toBe(true);
    await server.devices.delete('sim1', '/3303/7');
    expect(device.objects.hasInstance(3303, 7)).toBe(false);
  });

  it('maps device errors and bad requests to typed errors', async () => {
    await expect(server.devices.read('sim1', '/3/0/9999')).rejects.toMatchObject({ code: 'DEVICE_ERROR', coapCode: '4.04' });
    await expect(server.devices.read('sim1', '/not/a/path')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(server.devices.read('nobody', '/3/0')).rejects.toMatchObject({ code: 'DEVICE_NOT_REGISTERED' });
  });

  it('observes a resource: notifications reach subscribers until cancelled', async () => {
    device.objects.set(3, 0, 15, 'Europe/Madrid');
    const { observation, content } = await server.devices.observe('sim1', '/3/0/15');
    expect(observation).toBeDefined();
    expect(content.node).toMatchObject({ value: 'Europe/Madrid' });
    expect(server.devices.observations('sim1').map((o) => o.id)).toEqual([observation?.id]);
    const note = nextEvent(server, 'notification', (e) => e.observationId === observation?.id);
    device.objects.set(3, 0, 15, 'Asia/Tokyo');
    const e = await note;
    expect(e).toMatchObject({ endpoint: 'sim1', paths: ['/3/0/15'], content: { node: { kind: 'singleResource', id: 15, value: 'Asia/Tokyo' } } });
    await server.devices.cancelObservation(observation?.id as string, { active: true });
    expect(server.devices.observations('sim1')).toEqual([]);
    await expect(server.devices.cancelObservation(observation?.id as string)).rejects.toMatchObject({ code: 'OBSERVATION_NOT_FOUND' });
  });

  it('an Update keeps the location; de-registration ends observations', async () => {
    const id = (await server.registrations.get('sim1'))?.id;
    const updated = nextEvent(server, 'updated');
    await device.update();
    expect((await updated).registration.id).toBe(id);
    await server.devices.observe('sim1', '/3303/0/5700');
    expect(server.devices.observations('sim1')).toHaveLength(1);
    const gone = nextEvent(server, 'deregistered');
    await device.deregister();
    expect((await gone).reason).toBe('client');
    expect(await server.registrations.get('sim1')).toBeUndefined();
    expect(server.devices.observations('sim1')).toEqual([]);
  });

  it('revoking the endpoint drops its DTLS session and its registration', async () => {
    await device.register();
    expect((await server.stats()).dtls?.sessions).toBeGreaterThan(0);
    const revoked = nextEvent(server, 'deregistered');
    await securityStore.remove('sim1', true);
    const e = await revoked;
    expect(e).toMatchObject({ reason: 'revoked', registration: { endpoint: 'sim1' } });
    expect(await server.registrations.get('sim1')).toBeUndefined();
    expect((await server.stats()).dtls?.sessions).toBe(0);
  });
});
