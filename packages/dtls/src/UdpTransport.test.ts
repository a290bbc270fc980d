import { describe, expect, it } from 'vitest';
import { DtlsError } from './DtlsError.js';
import type { InboundDatagram } from './types.js';
import { UdpTransport } from './UdpTransport.js';

describe('UdpTransport (NoSec)', () => {
  it('carries datagrams both ways with empty security, and refuses to send once closed', async () => {
    const a = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const b = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    try {
      expect(a.secure).toBe(false);
      expect(a.onSession(() => {})).toBeTypeOf('function');
      const atB = new Promise<InboundDatagram>((resolve) => b.onDatagram(resolve));
      await a.send(b.address(), Buffer.from('coap'));
      const got = await atB;
      expect(Buffer.from(got.data).toString()).toBe('coap');
      expect(got.peer).toEqual(a.address());
      expect(got.security).toEqual({});
      const atA = new Promise<InboundDatagram>((resolve) => a.onDatagram(resolve));
      await b.send(got.peer, Buffer.from('ack'));
      expect(Buffer.from((await atA).data).toString()).toBe('ack');
    } finally {
      await a.close();
      await b.close();
    }
    const err = await a.send(b.address(), Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtlsError);
    expect((err as DtlsError).code).toBe('DTLS_CLOSED');
  });
});
