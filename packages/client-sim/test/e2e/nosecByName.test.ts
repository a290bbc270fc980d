import { UdpTransport } from '@chainm2m/dtls';
import { CoapEndpoint, type CoapRequest } from '@chainm2m/lwm2m';
import { afterAll, describe, expect, it } from 'vitest';
import { SimDevice } from '../../src/index.js';

describe('SimDevice with a server URI given by host name (NoSec)', () => {
  let registrar: CoapEndpoint | undefined;
  let device: SimDevice | undefined;
  afterAll(async () => {
    await device?.stop();
    await registrar?.close();
  });

  it('resolves the name, registers over plain UDP and is reachable by the server', async () => {
    const udp = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const regs: CoapRequest[] = [];
    registrar = new CoapEndpoint({
      transport: udp,
      handler: async (req) => {
        regs.push(req);
        return { code: '2.01', locationPath: ['rd', 'n1'] };
      },
    });
    device = new SimDevice({ endpoint: 'named' });
    device.configureServer({ uri: `coap://localhost:${udp.address().port}`, lifetime: 60 });
    expect(await device.register()).toMatchObject({ location: '/rd/n1' });
    const peer = regs[0]?.peer;
    expect(peer?.address).toBe('127.0.0.1');
    const res = await registrar.request(peer!, { method: 'GET', path: '/3/0/1', timeoutMs: 5000 });
    expect(new TextDecoder().decode(res.payload)).toBe('sim-1');
  });
});
