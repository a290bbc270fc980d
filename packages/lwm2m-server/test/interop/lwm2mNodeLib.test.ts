/**
 * lwm2m-node-lib 1.4's client (a separately written LwM2M 1.0 client over plain CoAP, node-coap
 * 0.22) registers against the server with NoSec enabled; the server reads /3/0 and a resource from it.
 */
import { createRequire } from 'node:module';
import { InMemorySecurityStore } from '@chainm2m/lwm2m';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLwm2mServer, type Lwm2mServer, type RegisteredEvent, type UpdatedEvent } from '../../src/index.js';
import { securityInfo } from '../../src/testing/fixtures.js';

type Cb<T = unknown> = (error: Error | null | undefined, result?: T) => void;
interface DeviceInformation {
  location: string;
  localPort: number;
  serverInfo: unknown;
}
interface NodeLibClient {
  init(config: Record<string, unknown>, cb?: () => void): void;
  register(host: string, port: number, url: string, endpointName: string, cb: Cb<DeviceInformation>): void;
  unregister(info: DeviceInformation, cb: Cb): void;
  update(info: DeviceInformation, cb: Cb): void;
  registry: {
    create(uri: string, cb: Cb): void;
    setResource(uri: string, resourceId: string, value: string, cb: Cb): void;
    reset(cb?: Cb): void;
  };
}

const require = createRequire(import.meta.url);
const client = (require('lwm2m-node-lib') as { client: NodeLibClient }).client;

function call<T>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));
}

describe('lwm2m-node-lib client against the server (NoSec)', () => {
  let server: Lwm2mServer;
  let device: DeviceInformation | undefined;
  const registered: RegisteredEvent[] = [];

  beforeAll(async () => {
    server = await startLwm2mServer({
      securityStore: new InMemorySecurityStore([securityInfo('secured-dev')]),
      host: '127.0.0.1',
      port: 0,
      nosec: { port: 0, endpoints: ['nodelib-dev'] },
      requestTimeoutMs: 10_000,
    });
    server.events.on('registered', (e) => registered.push(e));
    client.init({ logLevel: 'FATAL', client: { lifetime: '300', version: '1.0', logLevel: 'FATAL', observe: { period: 3000 }, port: 0, ipProtocol: 'udp4' } });
    await call((cb) => client.registry.create('/3/0', cb));
    await call((cb) => client.registry.setResource('/3/0', '0', 'Telefonica-Lib', cb));
    await call((cb) => client.registry.setResource('/3/0', '1', 'node-lib-device', cb));
  });

  afterAll(async () => {
    if (device) {
      const d = device;
      await call((cb) => client.unregister(d, cb)).catch(() => {});
    }
    await new Promise<void>((r) => client.registry.reset(() => r()));
    await server?.close();
  });

  it('registers: 2.01 with a Location the client keeps', async () => {
    const port = server.addresses.coap?.port as number;
    device = await call<DeviceInformation>((cb) => client.register('127.0.0.1', port, '', 'nodelib-dev', cb));
    const reg = await server.registrations.get('nodelib-dev');
    expect(reg).toMatchObject({ endpoint: 'nodelib-dev', lwm2mVersion: '1.0', binding: 'U', lifetime: 300 });
    expect(reg?.identity).toBeUndefined();
    expect(device.location).toBe(`rd/${reg?.id}`);
    expect(reg?.objectLinks.map((l) => l.path)).toEqual(['/3/0']);
    expect(registered).toHaveLength(1);
  });

  it('the server reads resources of /3/0 and discovers /3/0', async () => {
    const manufacturer = await server.devices.read('nodelib-dev', '/3/0/0');
    expect(manufacturer.node).toMatchObject({ kind: 'singleResource', id: 0, type: 'string', value: 'Telefonica-Lib' });
    const model = await server.devices.read('nodelib-dev', '/3/0/1');
    expect(model.node).toMatchObject({ value: 'node-lib-device' });
    const links = await server.devices.discover('nodelib-dev', '/3/0');
    expect(links.map((l) => l.uri)).toEqual(expect.arrayContaining(['/3/0/0', '/3/0/1']));
  });

  it('the server reads /3/0: this client reads resources only (4.04 on the instance), so the server reads it resource by resource', async () => {
    // It speaks text/plain only (and leaves other Accept values unanswered), so ask for text.
    const device = await server.devices.read('nodelib-dev', '/3/0', { format: 0 });
    expect(device.node).toMatchObject({
      kind: 'objectInstance',
      id: 0,
      resources: [
        { kind: 'singleResource', id: 0, type: 'string', value: 'Telefonica-Lib' },
        { kind: 'singleResource', id: 1, type: 'string', value: 'node-lib-device' },
      ],
    });
    // An instance the client never registered is not worked around: its 4.04 reaches the caller.
    await expect(server.devices.read('nodelib-dev', '/3/7', { format: 0 })).rejects.toMatchObject({ code: 'SRV_DEVICE_ERROR', coapCode: '4.04' });
  });

  it('writes a resource (text) and reads it back', async () => {
    await server.devices.write('nodelib-dev', '/3/0/1', { kind: 'value', value: 'renamed' });
    expect((await server.devices.read('nodelib-dev', '/3/0/1')).node).toMatchObject({ value: 'renamed' });
  });

  it('updates its registration (2.04, same location)', async () => {
    const before = await server.registrations.get('nodelib-dev');
    const updated: Promise<UpdatedEvent> = server.events.once('updated');
    // The client's callback also restarts its listener socket; only the server side matters here.
    client.update(device as DeviceInformation, () => {});
    const e = await updated;
    expect(e.registration.id).toBe(before?.id);
    expect(e.registration.lwm2mVersion).toBe('1.0');
  });

  it('an endpoint that has DTLS credentials cannot register over NoSec', async () => {
    const port = server.addresses.coap?.port as number;
    await expect(call((cb) => client.register('127.0.0.1', port, '', 'secured-dev', cb))).rejects.toThrow();
    expect(await server.registrations.get('secured-dev')).toBeUndefined();
  });
});
