/**
 * Queue mode and Observe-Composite end to end over DTLS against SimDevice: a `UQ` device is
 * asleep once its awake window has passed; requests are held and delivered when it next sends an
 * Update. The awake window runs on its own manually advanced clock (the DTLS and CoAP layers keep
 * the real one), so no test waits on wall time.
 */
import { SimDevice } from '@chainm2m/client-sim';
import { ContentFormat, InMemorySecurityStore, SystemClock, type Clock } from '@chainm2m/lwm2m';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLwm2mServer, type Lwm2mServer, type NotificationEvent } from '../../src/index.js';
import { securityInfo } from '../../src/testing/fixtures.js';

const enc = new TextEncoder();

/** Real timers, plus a manual offset on `now()`. */
class ShiftedClock implements Clock {
  offset = 0;
  now(): number {
    return SystemClock.now() + this.offset;
  }
  setTimer(ms: number, fn: () => void) {
    return SystemClock.setTimer(ms, fn);
  }
}

describe('queue mode and Observe-Composite against SimDevice over DTLS', () => {
  let server: Lwm2mServer;
  let device: SimDevice;
  const gateClock = new ShiftedClock();
  const securityStore = new InMemorySecurityStore([securityInfo('qdev')]);

  beforeAll(async () => {
    server = await startLwm2mServer({
      securityStore,
      host: '127.0.0.1',
      port: 0,
      requestTimeoutMs: 10_000,
      queueMode: { awakeWindowMs: 30_000, maxWaitMs: 600_000, clock: gateClock },
    });
    device = new SimDevice({ endpoint: 'qdev', autoUpdate: false });
    const key = (await securityStore.getByEndpoint('qdev'))?.server.key as Uint8Array;
    const t = device.objects;
    t.set(0, 1, 0, `coaps://127.0.0.1:${server.addresses.coaps.port}`);
    t.set(0, 1, 1, false);
    t.set(0, 1, 2, 0);
    t.set(0, 1, 3, enc.encode('qdev-id'));
    t.set(0, 1, 5, key);
    t.set(0, 1, 10, 101);
    t.set(1, 0, 0, 101);
    t.set(1, 0, 1, 300);
    t.set(1, 0, 7, 'UQ');
  });
  afterAll(async () => {
    await device?.stop();
    await server?.close();
  });

  it('registers in queue mode and is reachable right after', async () => {
    await device.register();
    expect(await server.registrations.get('qdev')).toMatchObject({ binding: 'UQ', queueMode: true });
    const r = await server.devices.read('qdev', '/3/0/0');
    expect(r.node).toMatchObject({ value: 'chainm2m' });
  });

  it('holds requests while the device sleeps and delivers them on its next Update', async () => {
    gateClock.offset += 31_000; // the awake window is over
    const read = server.devices.read('qdev', '/3/0/0');
    const write = server.devices.write('qdev', '/3/0/15', { kind: 'value', value: 'Europe/Paris' });
    await new Promise((r) => setImmediate(r));
    expect(server.devices.pending('qdev')).toBe(2);
    expect(device.objects.get(3, 0, 15)).not.toBe('Europe/Paris');
    await device.update();
    await expect(read).resolves.toMatchObject({ node: { value: 'chainm2m' } });
    await write;
    expect(device.objects.get(3, 0, 15)).toBe('Europe/Paris');
    expect(server.devices.pending('qdev')).toBe(0);
  });

  it('observes several paths at once (Observe-Composite) and gets notifications', async () => {
    const { observation, content } = await server.devices.observeComposite('qdev', ['/3/0/15', '/3303/0/5701']);
    expect(observation).toMatchObject({ composite: true, paths: ['/3/0/15', '/3303/0/5701'] });
    expect([ContentFormat.SenmlJson, ContentFormat.SenmlCbor]).toContain(content.contentFormat);
    expect(content.nodes?.map((n) => n.path)).toEqual(['/3/0/15', '/3303/0/5701']);
    const note = new Promise<NotificationEvent>((resolve) => {
      const off = server.events.on('notification', (e) => {
        if (e.observationId !== observation?.id) return;
        off();
        resolve(e);
      });
    });
    device.objects.set(3, 0, 15, 'Asia/Tokyo');
    const e = await note;
    expect(e.content.nodes?.find((n) => n.path === '/3/0/15')?.node).toMatchObject({ kind: 'singleResource', value: 'Asia/Tokyo' });
    await server.devices.cancelObservation(observation?.id as string);
  });
});
