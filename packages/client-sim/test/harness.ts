import { CoapEndpoint, FakeClock, seededRandom, type ClientRequest, type CoapRequest } from '@chainm2m/lwm2m';
import { SimDevice, type SimDeviceOptions } from '../src/index.js';
import { MemoryNet } from './memoryLink.js';

export { seededRandom };

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * A registered SimDevice on an in-memory network with a FakeClock, and a server-side
 * CoapEndpoint (real) that answers /rd and sends management requests to the device.
 */
export async function registeredDevice(opts: Partial<SimDeviceOptions> = {}, lifetime = 60) {
  const clock = new FakeClock(0);
  const net = new MemoryNet();
  const serverT = net.transport();
  const serverRequests: CoapRequest[] = [];
  /** Set `known = false` to make the server forget the registration (Update -> 4.04). */
  const registration = { known: true, registrations: 0 };
  const server = new CoapEndpoint({
    transport: serverT,
    clock,
    random: seededRandom(7),
    handler: async (req) => {
      serverRequests.push(req);
      const p = req.path.join('/');
      if (req.method === 'POST' && p === 'rd') {
        registration.known = true;
        registration.registrations++;
        return { code: '2.01', locationPath: ['rd', 'x1'] };
      }
      if (req.method === 'POST' && p === 'rd/x1') return { code: registration.known ? '2.04' : '4.04' };
      if (req.method === 'DELETE' && p === 'rd/x1') return { code: '2.02' };
      if (req.method === 'POST' && p === 'dp') return { code: '2.04' };
      return { code: '4.04' };
    },
  });
  const device = new SimDevice({
    endpoint: 'unit-1',
    clock,
    random: seededRandom(1),
    connector: async () => ({ transport: net.transport(), peer: serverT.address() }),
    profile: { sampleMs: 1000, epochAtClockZeroS: 1_700_000_000 },
    ...opts,
  });
  device.configureServer({ uri: 'coap://mem:1', lifetime });
  await device.register();
  const peer = device.localAddress();
  if (!peer) throw new Error('no device address');
  const request = (r: ClientRequest) => server.request(peer, r);
  const close = async (): Promise<void> => {
    await device.stop();
    await server.close();
  };
  return { clock, net, server, serverRequests, registration, device, peer, request, close };
}
