/**
 * A foreign CoAP peer (libcoap's coap-client) talks to the device side of a SimDevice: the device
 * registers over plain UDP (NoSec) with a registrar built from our CoapEndpoint, then coap-client
 * reads and writes its resources at the device's address.
 */
import { execFile } from 'node:child_process';
import { UdpTransport } from '@chainm2m/dtls';
import { CoapEndpoint, type CoapRequest } from '@chainm2m/lwm2m';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimDevice } from '../../src/index.js';

const COAP_CLIENT = '/usr/bin/coap-client-notls';

function coapClient(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(COAP_CLIENT, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

describe('libcoap coap-client against a SimDevice (NoSec)', () => {
  let registrar: CoapEndpoint;
  let device: SimDevice;
  const regs: CoapRequest[] = [];
  let base = '';

  beforeAll(async () => {
    const udp = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    registrar = new CoapEndpoint({
      transport: udp,
      handler: async (req) => {
        regs.push(req);
        if (req.method === 'POST' && req.path.join('/') === 'rd') return { code: '2.01', locationPath: ['rd', 'lib1'] };
        return { code: '2.04' };
      },
    });
    device = new SimDevice({ endpoint: 'libcoap-dev', profile: { manufacturer: 'Interop Inc' } });
    device.configureServer({ uri: `coap://127.0.0.1:${udp.address().port}`, lifetime: 300 });
    await device.register();
    const addr = device.localAddress();
    if (!addr) throw new Error('device not bound');
    base = `coap://127.0.0.1:${addr.port}`;
  });

  afterAll(async () => {
    await device?.stop();
    await registrar?.close();
  });

  it('registered over plain UDP', () => {
    expect(regs[0]?.query).toEqual(['ep=libcoap-dev', 'lt=300', 'lwm2m=1.1', 'b=U']);
  });

  it('GET /3/0/0 returns the manufacturer as text', async () => {
    const { stdout } = await coapClient(['-m', 'get', '-B', '10', `${base}/3/0/0`]);
    expect(stdout.trim()).toBe('Interop Inc');
  });

  it('PUT /3311/0/5851 (text) changes the dimmer; GET with Accept SenML-JSON reads it back', async () => {
    await coapClient(['-m', 'put', '-t', '0', '-e', '33', '-B', '10', `${base}/3311/0/5851`]);
    expect(device.objects.get(3311, 0, 5851)).toBe(33);
    const { stdout } = await coapClient(['-m', 'get', '-A', '110', '-B', '10', `${base}/3311/0/5851`]);
    expect(JSON.parse(stdout.trim())).toEqual([{ bn: '/3311/0/5851', v: 33 }]);
  });

  it('a large read (/3/0 in LwM2M JSON) arrives through Block2 with a small block size', async () => {
    const { stdout } = await coapClient(['-m', 'get', '-A', '11543', '-b', '32', '-B', '10', `${base}/3/0`]);
    const doc = JSON.parse(stdout.trim()) as { bn: string; e: Array<{ n: string; sv?: string }> };
    expect(doc.bn).toBe('/3/0/');
    expect(doc.e.find((x) => x.n === '0')?.sv).toBe('Interop Inc');
  });

  it('reading the Security object is refused (4.01)', async () => {
    const { stdout, stderr } = await coapClient(['-m', 'get', '-v', '6', '-B', '10', `${base}/0/0`]);
    expect(stdout + stderr).toMatch(/4\.01/);
  });
});
