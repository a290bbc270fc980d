import { describe, expect, it } from 'vitest';
import { parseClientHello, encodeClientHello } from './ClientHello.js';
import { encodeServerHello, encodeServerHelloReference, parseServerHello } from './ServerHello.js';
import { encodeHelloVerifyRequest, parseHelloVerifyRequest } from './HelloVerifyRequest.js';
import { encodeClientKeyExchange, parseClientKeyExchange } from './ClientKeyExchange.js';
import { encodeServerKeyExchange, parseServerKeyExchange } from './ServerKeyExchange.js';
import { DtlsError } from '../../DtlsError.js';

describe('handshake message codecs', () => {
  it('ClientHello round trip, and a captured libcoap-style hello with unknown extensions', () => {
    const h = {
      version: 0xfefd,
      random: Buffer.alloc(32, 7),
      sessionId: Buffer.alloc(0),
      cookie: Buffer.from('cookie'),
      cipherSuites: [0xc0a8, 0x00ff],
      compressionMethods: Buffer.from([0]),
      extensions: [
        { type: 23, data: Buffer.alloc(0) },
        { type: 0x1234, data: Buffer.from('zz') },
      ],
    };
    const parsed = parseClientHello(encodeClientHello(h));
    expect(parsed.cipherSuites).toEqual([0xc0a8, 0x00ff]);
    expect(parsed.cookie.toString()).toBe('cookie');
    expect(parsed.extensions.map((e) => e.type)).toEqual([23, 0x1234]);
  });

  it('rejects malformed ClientHellos with DTLS_DECODE', () => {
    const good = encodeClientHello({
      version: 0xfefd,
      random: Buffer.alloc(32),
      sessionId: Buffer.alloc(0),
      cookie: Buffer.alloc(0),
      cipherSuites: [0xc0a8],
      compressionMethods: Buffer.from([0]),
      extensions: [],
    });
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => parseClientHello(good.subarray(0, cut))).toThrow(DtlsError);
    }
    expect(() => parseClientHello(Buffer.concat([good, Buffer.from([0, 4, 0, 23, 0, 0])]))).not.toThrow();
    expect(() => parseClientHello(Buffer.concat([good, Buffer.from([0, 8, 0, 23, 0, 0, 0, 23, 0, 0])]))).toThrow(/duplicate/);
  });

  it('the direct ServerHello encoder matches the reference encoder', () => {
    const exts = [
      [],
      [{ type: 0xff01, data: Buffer.from([0]) }],
      [
        { type: 0xff01, data: Buffer.from([0]) },
        { type: 23, data: Buffer.alloc(0) },
      ],
    ];
    for (const extensions of exts) {
      for (const sessionId of [Buffer.alloc(0), Buffer.alloc(32, 9)]) {
        const h = { version: 0xfefd, random: Buffer.alloc(32, 3), sessionId, cipherSuite: 0xc0a8, compressionMethod: 0, extensions };
        expect(encodeServerHello(h).equals(encodeServerHelloReference(h))).toBe(true);
      }
    }
  });

  it('ServerHello, HelloVerifyRequest, key exchanges', () => {
    const sh = parseServerHello(
      encodeServerHello({ version: 0xfefd, random: Buffer.alloc(32, 1), sessionId: Buffer.alloc(0), cipherSuite: 0xc0a8, compressionMethod: 0, extensions: [{ type: 0xff01, data: Buffer.from([0]) }] }),
    );
    expect(sh.cipherSuite).toBe(0xc0a8);
    expect(sh.extensions).toEqual([{ type: 0xff01, data: Buffer.from([0]) }]);
    const hvr = encodeHelloVerifyRequest(Buffer.from('abc'));
    expect(hvr.toString('hex')).toBe('feff03616263'); // server_version DTLS 1.0 (RFC 6347 §4.2.1)
    expect(parseHelloVerifyRequest(hvr).cookie.toString()).toBe('abc');
    expect(parseClientKeyExchange(encodeClientKeyExchange('dév-1'))).toBe('dév-1');
    expect(() => parseClientKeyExchange(Buffer.from([0, 0]))).toThrow(DtlsError);
    expect(parseServerKeyExchange(encodeServerKeyExchange('hint'))).toBe('hint');
  });
});
