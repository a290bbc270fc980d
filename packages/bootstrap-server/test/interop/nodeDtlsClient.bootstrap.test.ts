/**
 * A complete bootstrap with an independent DTLS stack on the device side: node-dtls-client 1.x
 * (written by others) carries CoAP messages built and parsed with coap-packet; the LwM2M side is
 * the MiniDevice test client. The server's Delete/Write/Finish travel over that foreign session.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, parse } from 'coap-packet';
import { InMemorySecurityStore, type SecurityInfo } from '@chainm2m/lwm2m';
import { makeSecurityInfo } from '@chainm2m/lwm2m/testing';
import { startBootstrapServer, type BootstrapServer } from '../../src/index.js';
import { MiniDevice, expectedObjects, type MiniDeviceOptions } from '../helpers/MiniDevice.js';

interface NdcSocket {
  on(event: 'connected', cb: () => void): NdcSocket;
  on(event: 'message', cb: (msg: Buffer) => void): NdcSocket;
  on(event: 'error', cb: (err: Error) => void): NdcSocket;
  on(event: 'close', cb: () => void): NdcSocket;
  send(data: Buffer): void;
  close(): void;
}
interface Ndc {
  dtls: { createSocket(opts: { type: 'udp4'; address: string; port: number; psk: Record<string, string>; timeout: number; ciphers?: string[] }): NdcSocket };
}
const { dtls } = createRequire(import.meta.url)('node-dtls-client') as Ndc;

const METHODS: Record<string, string> = { '0.01': 'GET', '0.02': 'POST', '0.03': 'PUT', '0.04': 'DELETE' };
const uint = (b: Buffer): number => b.reduce((n, x) => n * 256 + x, 0);

/** Runs one device until Bootstrap-Finish (or the server's refusal); always closes its socket. */
function bootstrapWithNdc(
  port: number,
  info: SecurityInfo,
  query: string[],
  cipher: string,
  opts: MiniDeviceOptions = {},
): Promise<{ code: string; device: MiniDevice }> {
  const device = new MiniDevice(info.bootstrap, opts);
  return new Promise((resolve, reject) => {
    // node-dtls-client takes the PSK as a string: binary keys as latin1.
    const s = dtls.createSocket({ type: 'udp4', address: '127.0.0.1', port, psk: { [info.bootstrap.identity]: Buffer.from(info.bootstrap.key).toString('latin1') }, timeout: 10_000, ciphers: [cipher] });
    const token = Buffer.from([0xb5, 0x01]);
    let code = '';
    const finish = (fn: () => void): void => {
      clearTimeout(timer);
      // Give the last ACK a moment to leave before the close_notify.
      setTimeout(() => {
        try {
          s.close();
        } catch {
          // already closed
        }
        fn();
      }, 20);
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`timeout (got ${code || 'nothing'})`))), 20_000);
    s.on('connected', () => {
      s.send(
        generate({
          code: 'POST',
          confirmable: true,
          messageId: 0x1234,
          token,
          options: [{ name: 'Uri-Path', value: Buffer.from('bs') }, ...query.map((q) => ({ name: 'Uri-Query' as const, value: Buffer.from(q) }))],
        }),
      );
    });
    s.on('message', (msg) => {
      const p = parse(msg);
      if (p.ack && p.token.equals(token)) {
        code = p.code;
        if (code !== '2.04') finish(() => resolve({ code, device }));
        return;
      }
      const method = METHODS[p.code];
      if (!method || !p.confirmable) return;
      const path = p.options.filter((o) => o.name === 'Uri-Path').map((o) => o.value.toString());
      const cf = p.options.find((o) => o.name === 'Content-Format');
      void device
        .handle({ method, path, ...(cf ? { contentFormat: uint(cf.value) } : {}), payload: new Uint8Array(p.payload) })
        .then((res) => {
          s.send(generate({ ack: true, messageId: p.messageId, token: p.token, code: res.code }));
          if (method === 'POST' && path.join('/') === 'bs') finish(() => resolve({ code, device }));
        });
    });
    s.on('error', (e) => finish(() => reject(e)));
  });
}

const infos = Array.from({ length: 6 }, (_, i) => makeSecurityInfo(`ndc-${i}`));
let server: BootstrapServer;
const ended = new Map<string, string>();

beforeAll(async () => {
  server = await startBootstrapServer({ securityStore: new InMemorySecurityStore(infos), host: '127.0.0.1', port: 0, policy: { stepTimeoutMs: 10_000 } });
  server.events.on('finished', (e) => ended.set(e.endpoint, 'finished'));
  server.events.on('failed', (e) => ended.set(e.endpoint, `failed: ${e.reason}`));
});
afterAll(async () => {
  await server?.close();
});

describe('node-dtls-client + coap-packet device against the bootstrap server', () => {
  const suites = ['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_CCM', 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'TLS_PSK_WITH_AES_128_CBC_SHA256'];
  suites.forEach((suite, i) => {
    it(`${suite}: bootstraps and ends with the objects of its record`, async () => {
      const info = infos[i]!;
      const { code, device } = await bootstrapWithNdc(server.address.port, info, [`ep=${info.endpoint}`], suite);
      expect(code).toBe('2.04');
      expect(device.snapshot()).toEqual(expectedObjects(info));
      for (let k = 0; k < 50 && !ended.has(info.endpoint); k++) await new Promise((r) => setTimeout(r, 10));
      expect(ended.get(info.endpoint)).toBe('finished');
    });
  });

  it('per-resource fallback over the foreign stack (device refuses SenML-JSON and TLV)', async () => {
    const info = infos[4]!;
    const { device } = await bootstrapWithNdc(server.address.port, info, [`ep=${info.endpoint}`, 'pct=11542'], 'TLS_PSK_WITH_AES_128_CCM_8', { rejectFormats: [110, 11542] });
    expect(device.snapshot()).toEqual(expectedObjects(info));
  });

  it('another endpoint in ep gets 4.03 and no request', async () => {
    const info = infos[5]!;
    const { code, device } = await bootstrapWithNdc(server.address.port, info, [`ep=${infos[0]!.endpoint}`], 'TLS_PSK_WITH_AES_128_CCM_8');
    expect(code).toBe('4.03');
    expect(device.received).toHaveLength(0);
  });
});
