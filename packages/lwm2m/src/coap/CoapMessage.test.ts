import { describe, expect, it } from 'vitest';
import { generate } from 'coap-packet';
import {
  CoapOption,
  MalformedMessage,
  codeFromString,
  codeToString,
  decodeMessage,
  decodeUint,
  encodeMessage,
  encodeUint,
  type CoapMessage,
} from './CoapMessage.js';
import { decodeBlock, encodeBlock } from './BlockOption.js';
import { isNewerNotification } from './observeFreshness.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (u: Uint8Array): string => Buffer.from(u).toString('hex');

describe('CoapMessage', () => {
  it('decodes a CON GET /3/0 with token and query (RFC 7252 layout)', () => {
    // ver 1, CON, TKL 2 | GET | mid 0x1234 | token abcd | Uri-Path "3" | Uri-Path "0" | Uri-Query "ep=a"
    const m = decodeMessage(hex('42 01 1234 abcd b1 33 01 30 44 65703d61'));
    expect(m).not.toBeInstanceOf(MalformedMessage);
    const msg = m as CoapMessage;
    expect(msg.type).toBe('CON');
    expect(msg.code).toBe(1);
    expect(msg.messageId).toBe(0x1234);
    expect(toHex(msg.token)).toBe('abcd');
    expect(msg.options.map((o) => [o.number, Buffer.from(o.value).toString()])).toEqual([
      [11, '3'],
      [11, '0'],
      [15, 'ep=a'],
    ]);
  });

  it('encodes what it decodes (byte-exact round trip, with payload)', () => {
    const bytes = hex('62 45 0001 0102 c0 ff 68656c6c6f');
    const m = decodeMessage(bytes) as CoapMessage;
    expect(m.type).toBe('ACK');
    expect(codeToString(m.code)).toBe('2.05');
    expect(Buffer.from(m.payload).toString()).toBe('hello');
    expect(toHex(encodeMessage(m))).toBe(toHex(bytes));
  });

  it('encodes options out of order, sorted and with extended deltas', () => {
    const m: CoapMessage = {
      type: 'NON',
      code: 0x45,
      messageId: 7,
      token: new Uint8Array(0),
      options: [
        { number: CoapOption.Size1, value: encodeUint(3000) },
        { number: CoapOption.ContentFormat, value: encodeUint(110) },
      ],
      payload: new Uint8Array([1]),
    };
    const back = decodeMessage(encodeMessage(m)) as CoapMessage;
    expect(back.options.map((o) => [o.number, decodeUint(o.value)])).toEqual([
      [12, 110],
      [60, 3000],
    ]);
  });

  it('encodes byte for byte like coap-packet (the reference encoder)', () => {
    const long = new Uint8Array(300).fill(0x61);
    const table: CoapMessage[] = [
      { type: 'CON', code: 1, messageId: 0, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) },
      { type: 'NON', code: 2, messageId: 0xffff, token: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), options: [{ number: 11, value: long.subarray(0, 12) }, { number: 11, value: long.subarray(0, 13) }, { number: 15, value: long.subarray(0, 268) }, { number: 15, value: long }], payload: Uint8Array.of(0) },
      { type: 'ACK', code: 0x45, messageId: 77, token: Uint8Array.of(9), options: [{ number: 60, value: encodeUint(3000) }, { number: 12, value: encodeUint(0) }, { number: 2049, value: Uint8Array.of(1) }, { number: 6, value: encodeUint(0x123456) }], payload: long },
      { type: 'RST', code: 0, messageId: 5, token: new Uint8Array(0), options: [], payload: new Uint8Array(0) },
      { type: 'CON', code: 0x5f, messageId: 300, token: Uint8Array.of(0xff), options: [{ number: 27, value: Uint8Array.of(0x0e) }, { number: 8, value: Uint8Array.of(0x72, 0x64) }, { number: 8, value: new Uint8Array(0) }], payload: new Uint8Array(0) },
    ];
    for (const m of table) {
      const ref = generate(
        {
          code: codeToString(m.code),
          messageId: m.messageId,
          token: Buffer.from(m.token),
          confirmable: m.type === 'CON',
          ack: m.type === 'ACK',
          reset: m.type === 'RST',
          options: m.options.map((o) => ({ name: String(o.number), value: Buffer.from(o.value) })),
          payload: Buffer.from(m.payload),
        },
        65_535,
      );
      expect(toHex(encodeMessage(m))).toBe(ref.toString('hex'));
    }
  });

  it.each([
    ['too short', '40 01 00'],
    ['version 2', '80 01 0000'],
    ['token length 9', '49 01 0000 010203040506070809'],
    ['truncated token', '44 01 0000 0102'],
    ['empty message with token', '41 00 0000 01'],
    ['reserved class 1', '40 20 0000'],
    ['payload marker without payload', '40 01 0000 ff'],
    ['truncated option value', '40 01 0000 b5 3031'],
    ['option delta nibble 15', '40 01 0000 f1 30'],
    ['option length nibble 15', '40 01 0000 bf 30'],
    ['truncated extended delta', '40 01 0000 d1'],
  ])('rejects %s', (_name, h) => {
    expect(decodeMessage(hex(h))).toBeInstanceOf(MalformedMessage);
  });

  it('reports the header of a malformed CON so it can be rejected with RST', () => {
    const m = decodeMessage(hex('40 01 beef ff')) as MalformedMessage;
    expect(m.header).toEqual({ type: 'CON', messageId: 0xbeef });
  });

  it('codes and uints', () => {
    expect(codeFromString('2.31')).toBe(0x5f);
    expect(codeFromString('4.13')).toBe(0x8d);
    expect(codeFromString('2.5')).toBeUndefined();
    expect(codeFromString('2.32')).toBeUndefined();
    expect(codeToString(0xa0)).toBe('5.00');
    expect(toHex(encodeUint(0))).toBe('');
    expect(toHex(encodeUint(0x1234))).toBe('1234');
    expect(toHex(encodeUint(0x10000))).toBe('010000');
    expect(decodeUint(hex('0102030405'))).toBeUndefined();
  });
});

describe('BlockOption', () => {
  it('round trips RFC 7959 values', () => {
    expect(toHex(encodeBlock({ num: 0, more: true, szx: 6 }))).toBe('0e');
    expect(toHex(encodeBlock({ num: 1, more: false, szx: 2 }))).toBe('12');
    expect(toHex(encodeBlock({ num: 0, more: false, szx: 0 }))).toBe('');
    expect(decodeBlock(hex('0a3e'))).toEqual({ num: 163, more: true, szx: 6 });
    expect(decodeBlock(hex('07'))).toBeUndefined(); // BERT / reserved szx 7
    expect(decodeBlock(hex('01020304'))).toBeUndefined();
  });
});

describe('isNewerNotification (RFC 7641 §3.4)', () => {
  it('orders by sequence number with wrap-around at 2^24', () => {
    expect(isNewerNotification(5, 0, 6, 0)).toBe(true);
    expect(isNewerNotification(6, 0, 5, 0)).toBe(false);
    expect(isNewerNotification(6, 0, 6, 0)).toBe(false);
    expect(isNewerNotification(2 ** 24 - 1, 0, 3, 0)).toBe(true); // wrapped
    expect(isNewerNotification(3, 0, 2 ** 24 - 1, 0)).toBe(false);
    expect(isNewerNotification(0, 0, 2 ** 23 + 1, 0)).toBe(false); // too far ahead = older
  });

  it('accepts anything after 128 s', () => {
    expect(isNewerNotification(10, 0, 3, 128_000)).toBe(false);
    expect(isNewerNotification(10, 0, 3, 128_001)).toBe(true);
  });
});
