/** Hostile payloads and paths never crash the device: every request gets a 2.xx or 4.xx answer. */
import { ContentFormat, FakeClock, type CoapRequest } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { FormatPolicy } from '../../src/device/FormatPolicy.js';
import { handleBootstrapRequest } from '../../src/device/bootstrapHandler.js';
import { ManagementHandler } from '../../src/device/ManagementHandler.js';
import { Scheduler } from '../../src/device/Scheduler.js';
import { SimDevice } from '../../src/index.js';
import { seededRandom } from '../harness.js';

const FORMATS = [ContentFormat.Text, ContentFormat.Opaque, ContentFormat.Tlv, ContentFormat.SenmlJson, ContentFormat.SenmlCbor, ContentFormat.Json, 9999];
const PATHS = ['/', '/0', '/0/1', '/1/0', '/1/0/1', '/3', '/3/0', '/3/0/6', '/3/0/6/1', '/3303', '/3303/0/5700', '/3311/0', '/3311/0/5850', '/9/9', '/x', '/3/0/0/0/0', '/65535'];
const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'FETCH', 'IPATCH'] as const;

function request(rand: () => number, bytes: (n: number) => Uint8Array, i: number): CoapRequest {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)] as T;
  const path = pick(PATHS);
  const kind = rand();
  const payload =
    kind < 0.3
      ? bytes(Math.floor(rand() * 64))
      : kind < 0.5
        ? new TextEncoder().encode(JSON.stringify([{ bn: path + '/', n: String(i % 7), v: rand() * 1e6, vs: 'x', vd: '***' }]))
        : kind < 0.7
          ? new Uint8Array([0xc8, 0x00, 0x05, 0x41, 0xe1, 0xff, 0xff, 0x08, ...bytes(8)])
          : new TextEncoder().encode(String(Math.floor(rand() * 1e9)));
  return {
    method: pick(METHODS),
    path: path.split('/').filter((s) => s !== ''),
    query: rand() < 0.2 ? [pick(['pmin=5', 'pmax=x', 'gt=1', 'st=-1', 'bogus', 'lt'])] : [],
    ...(rand() < 0.9 ? { contentFormat: pick(FORMATS) } : {}),
    ...(rand() < 0.3 ? { accept: pick([...FORMATS, ContentFormat.Link]) } : {}),
    payload,
    token: new Uint8Array([i & 0xff]),
    confirmable: true,
    peer: { address: '127.0.0.1', port: 1 },
    security: {},
  };
}

describe('hostile requests', () => {
  it('device management answers 2.xx/4.xx to 3,000 random requests', async () => {
    const clock = new FakeClock(0);
    const device = new SimDevice({ endpoint: 'fz', clock, random: seededRandom(2) });
    device.configureServer({ uri: 'coap://127.0.0.1:5683' });
    const handler = new ManagementHandler({ tree: device.objects, formats: new FormatPolicy(), clock, scheduler: new Scheduler(clock), sampleMs: 1000 });
    const r = seededRandom(11);
    for (let i = 0; i < 3000; i++) {
      const res = await handler.handle(request(() => r.next(), (n) => r.bytes(n), i), {});
      expect(res.code).toMatch(/^[24]\.\d\d$/);
    }
  });

  it('the bootstrap interface answers 2.xx/4.xx to 3,000 random requests', () => {
    const device = new SimDevice({ endpoint: 'fz2', clock: new FakeClock(0), random: seededRandom(3) });
    const policy = new FormatPolicy();
    const r = seededRandom(12);
    for (let i = 0; i < 3000; i++) {
      const { response } = handleBootstrapRequest(device.objects, policy, request(() => r.next(), (n) => r.bytes(n), i));
      expect(response.code).toMatch(/^[24]\.\d\d$/);
    }
  });
});
