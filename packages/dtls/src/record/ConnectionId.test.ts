/**
 * RFC 9146 record layout and additional data, checked against hand-written hex (§4 header, §4 inner
 * plaintext, §5 AEAD additional data, §5.1 MAC input) and an independent decryption with Node's own
 * AES-CCM / AES-GCM / AES-CBC + HMAC — not through our ciphers.
 */
import { createDecipheriv, createHmac, type DecipherCCM, type DecipherGCM } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CipherSuites } from '../crypto/CipherSuite.js';
import { NativeAeadCipher, createRecordCipher } from '../crypto/RecordCipher.js';
import { cidAad, encodeCidExtension, openRecord, parseCidExtension, parseInnerPlaintext } from './ConnectionId.js';
import { parseRecords, type DtlsRecord } from './Record.js';

const KEY = Buffer.from('c0ffee00112233445566778899aabbcc', 'hex');
const IV = Buffer.from('0badcafe', 'hex');
const MAC_KEY = Buffer.from('aa'.repeat(32), 'hex');
const CID = Buffer.from('0a0b0c0d0e0f', 'hex');
const HELLO = Buffer.from('hello'); // 68656c6c6f

/** §5: seq_num_placeholder, tls12_cid, cid_length, tls12_cid, version, epoch, seq, cid, length_of_DTLSInnerPlaintext. */
const AAD_HEX = 'ffffffffffffffff' + '19' + '06' + '19' + 'fefd' + '0001' + '000000000005' + '0a0b0c0d0e0f' + '0006';
/** §4 inner plaintext: content ‖ real type (application_data) — no padding from us. */
const INNER_HEX = '68656c6c6f' + '17';

describe('RFC 9146 tls12_cid records (hex vectors)', () => {
  it('the additional data is laid out as §5 says', () => {
    expect(cidAad(1, 5, CID, 6).toString('hex')).toBe(AAD_HEX);
  });

  it('the connection_id extension is opaque cid<0..255>', () => {
    expect(encodeCidExtension(CID).toString('hex')).toBe('060a0b0c0d0e0f');
    expect(encodeCidExtension(Buffer.alloc(0)).toString('hex')).toBe('00');
    expect(parseCidExtension(Buffer.from('060a0b0c0d0e0f', 'hex'))?.equals(CID)).toBe(true);
    expect(parseCidExtension(Buffer.from('070a0b', 'hex'))).toBeUndefined();
  });

  for (const name of ['TLS_PSK_WITH_AES_128_CCM_8', 'TLS_PSK_WITH_AES_128_CCM', 'TLS_PSK_WITH_AES_128_GCM_SHA256'] as const) {
    it(`${name}: header 19 fefd epoch seq cid length; Node's AEAD with the hand-written AAD opens it`, () => {
      const suite = CipherSuites[name];
      const tag = suite.tagLength;
      for (const c of [createRecordCipher(suite, KEY, IV, MAC_KEY, () => Buffer.alloc(16)), new NativeAeadCipher(suite, KEY, IV)]) {
        const rec = c.seal(23, 1, 5, HELLO, CID);
        const fragLen = 8 + 6 + tag;
        expect(rec.subarray(0, 19).toString('hex')).toBe('19' + 'fefd' + '0001' + '000000000005' + '0a0b0c0d0e0f' + fragLen.toString(16).padStart(4, '0'));
        expect(rec.subarray(19, 27).toString('hex')).toBe('0001000000000005'); // explicit nonce = epoch ‖ seq
        const nonce = Buffer.concat([IV, rec.subarray(19, 27)]);
        const ct = rec.subarray(27, 27 + 6);
        const t = rec.subarray(27 + 6);
        const aad = Buffer.from(AAD_HEX, 'hex');
        let inner: Buffer;
        if (suite.mode === 'ccm') {
          const d = createDecipheriv('aes-128-ccm', KEY, nonce, { authTagLength: tag }) as DecipherCCM;
          d.setAuthTag(t);
          d.setAAD(aad, { plaintextLength: 6 });
          inner = d.update(ct);
          d.final();
        } else {
          const d = createDecipheriv('aes-128-gcm', KEY, nonce) as DecipherGCM;
          d.setAuthTag(t);
          d.setAAD(aad);
          inner = Buffer.concat([d.update(ct), d.final()]);
        }
        expect(inner.toString('hex')).toBe(INNER_HEX);
        // And back through the record parser and our opener.
        const recs: DtlsRecord[] = [];
        expect(parseRecords(rec, recs, 6)).toBeUndefined();
        expect(recs[0]).toMatchObject({ type: 25, epoch: 1, seq: 5 });
        expect(recs[0]?.cid?.equals(CID)).toBe(true);
        expect(openRecord(c, recs[0] as DtlsRecord)).toEqual({ type: 23, content: HELLO });
        // A record whose CID was changed does not authenticate (the CID is in the AAD).
        const other = Buffer.from(rec);
        other[12] = (other[12] as number) ^ 1;
        const recs2: DtlsRecord[] = [];
        parseRecords(other, recs2, 6);
        expect(openRecord(c, recs2[0] as DtlsRecord)).toBeUndefined();
      }
    });
  }

  it("TLS_PSK_WITH_AES_128_CBC_SHA256: MAC over §5.1's prefix ‖ inner plaintext, checked with Node's HMAC and AES-CBC", () => {
    const suite = CipherSuites.TLS_PSK_WITH_AES_128_CBC_SHA256;
    const c = createRecordCipher(suite, KEY, IV, MAC_KEY, () => Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    const rec = c.seal(23, 1, 5, HELLO, CID);
    expect(rec.subarray(0, 17).toString('hex')).toBe('19fefd0001000000000005' + '0a0b0c0d0e0f');
    const iv = rec.subarray(19, 35);
    const d = createDecipheriv('aes-128-cbc', KEY, iv).setAutoPadding(false);
    const plain = Buffer.concat([d.update(rec.subarray(35)), d.final()]);
    expect(plain.subarray(0, 6).toString('hex')).toBe(INNER_HEX);
    const mac = createHmac('sha256', MAC_KEY).update(Buffer.from(AAD_HEX, 'hex')).update(Buffer.from(INNER_HEX, 'hex')).digest();
    expect(plain.subarray(6, 38).equals(mac)).toBe(true);
  });

  it('inner plaintext: zero padding is stripped; all zeros is invalid', () => {
    expect(parseInnerPlaintext(Buffer.from('68690000000000', 'hex'))).toEqual({ type: 0x69, content: Buffer.from('h') }); // the last non-zero byte is the type
    expect(parseInnerPlaintext(Buffer.from('6869170000', 'hex'))).toEqual({ type: 23, content: Buffer.from('hi') });
    expect(parseInnerPlaintext(Buffer.from('000000', 'hex'))).toBeUndefined();
  });

  it('parseRecords: a tls12_cid record is malformed when we issued no CID; several records in one datagram', () => {
    const c = createRecordCipher(CipherSuites.TLS_PSK_WITH_AES_128_CCM_8, KEY, IV, MAC_KEY, () => Buffer.alloc(16));
    const a = c.seal(23, 1, 5, HELLO, CID);
    const b = c.seal(21, 1, 6, Buffer.from([1, 0]), CID);
    expect(parseRecords(a, [], 0)).toBe('malformed');
    const recs: DtlsRecord[] = [];
    expect(parseRecords(Buffer.concat([a, b]), recs, 6)).toBeUndefined();
    expect(recs.map((r) => openRecord(c, r)?.type)).toEqual([23, 21]);
  });
});
