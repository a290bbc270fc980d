/**
 * Randomized robustness: every decoder, fed random bytes and mutations of valid payloads, either
 * returns or throws a CodecError — never anything else. Seeded, so failures reproduce.
 */
import { describe, expect, it } from 'vitest';
import { ContentFormat } from '../ContentFormat.js';
import { ObjectRegistry } from '../model/ObjectRegistry.js';
import { CodecError } from './CodecError.js';
import { decodeNode, decodeNodes, encodeNode } from './Lwm2mCodec.js';
import { decodeLinks, parseRegistrationLinks } from './linkPayloads.js';
import { DEVICE_TLV_HEX, deviceInstance, hex } from './testVectors.js';
import { decodeTlv } from './wire/tlv.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(rnd: () => number, base: Uint8Array): Uint8Array {
  const b = base.slice();
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) return b.subarray(0, Math.floor(rnd() * b.length));
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = Math.floor(rnd() * b.length);
    b[at] = kind === 1 ? Math.floor(rnd() * 256) : (b[at] as number) ^ (1 << Math.floor(rnd() * 8));
  }
  if (kind === 3) return Uint8Array.from([...b, ...Array.from({ length: Math.floor(rnd() * 8) }, () => Math.floor(rnd() * 256))]);
  return b;
}

function randomBytes(rnd: () => number): Uint8Array {
  return Uint8Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256));
}

const model = new ObjectRegistry();
const ITERATIONS = 1500;

function expectOnlyCodecErrors(fn: () => unknown): 'ok' | 'error' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!(e instanceof CodecError)) throw new Error(`non-CodecError thrown: ${String(e)}`, { cause: e });
    return 'error';
  }
}

describe('decoder fuzzing', () => {
  const seeds: [string, number, Uint8Array][] = [
    ['TLV', ContentFormat.Tlv, hex(DEVICE_TLV_HEX)],
    ['SenML-JSON', ContentFormat.SenmlJson, encodeNode(deviceInstance(), ContentFormat.SenmlJson, { path: '/3/0' })],
    ['SenML-CBOR', ContentFormat.SenmlCbor, encodeNode(deviceInstance(), ContentFormat.SenmlCbor, { path: '/3/0' })],
    ['LwM2M JSON', ContentFormat.Json, encodeNode(deviceInstance(), ContentFormat.Json, { path: '/3/0' })],
    ['text', ContentFormat.Text, new TextEncoder().encode('1367491215')],
    ['opaque', ContentFormat.Opaque, Uint8Array.of(1, 2, 3)],
    ['CBOR', ContentFormat.Cbor, Uint8Array.of(0x1a, 0x51, 0x82, 0x42, 0x8f)],
  ];

  it.each(seeds)('%s decoder only ever throws CodecError', (_name, format, valid) => {
    const rnd = prng(format * 7919 + 1);
    const outcomes = { ok: 0, error: 0 };
    const paths = ['/3/0', '/3', '/3/0/13', '/3/0/6', '/3/0/6/1', '/0/1/5', '/3303/0/5700'];
    for (let i = 0; i < ITERATIONS; i++) {
      const bytes = i % 3 === 0 ? randomBytes(rnd) : mutate(rnd, valid);
      const path = paths[i % paths.length] as string;
      outcomes[expectOnlyCodecErrors(() => decodeNode(bytes, format, { path, model }))]++;
      if (format === ContentFormat.SenmlJson || format === ContentFormat.SenmlCbor) {
        expectOnlyCodecErrors(() => decodeNodes(bytes, format, { model }));
      }
    }
    // The fuzzer reaches both outcomes (so it exercises the decoder, not only its first check).
    expect(outcomes.error).toBeGreaterThan(0);
    expect(outcomes.ok + outcomes.error).toBe(ITERATIONS);
  });

  it('TLV wire decoder only ever throws CodecError', () => {
    const rnd = prng(42);
    let ok = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      if (expectOnlyCodecErrors(() => decodeTlv(i % 2 ? randomBytes(rnd) : mutate(rnd, hex(DEVICE_TLV_HEX)))) === 'ok') ok++;
    }
    expect(ok).toBeGreaterThan(0);
  });

  it('link format parser only ever throws CodecError', () => {
    const rnd = prng(7);
    const valid = new TextEncoder().encode('</>;rt="oma.lwm2m";ct="60 110",</1/0>,</3/0>;ver=1.1,</3303/0>;title="a,b"');
    let ok = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const bytes = i % 3 === 0 ? randomBytes(rnd) : mutate(rnd, valid);
      if (expectOnlyCodecErrors(() => decodeLinks(bytes)) === 'ok') ok++;
      expectOnlyCodecErrors(() => parseRegistrationLinks(bytes));
    }
    expect(ok).toBeGreaterThan(0);
  });
});

describe('adversarial inputs', () => {
  it.each([
    ['200,000 nested CBOR arrays', ContentFormat.SenmlCbor, new Uint8Array(200_000).fill(0x81)],
    ['CBOR byte string claiming 2^64 bytes', ContentFormat.SenmlCbor, Uint8Array.from([0x81, 0xa1, 0x08, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
    ['CBOR array claiming 2^36 items', ContentFormat.SenmlCbor, Uint8Array.from([0x9b, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00])],
    ['100,000 nested JSON arrays', ContentFormat.SenmlJson, new TextEncoder().encode('['.repeat(100_000) + ']'.repeat(100_000))],
    ['TLV claiming 16 MiB', ContentFormat.Tlv, Uint8Array.from([0xd8, 0x00, 0xff, 0xff, 0xff, 0x00])],
  ])('%s: CodecError, no crash', (_name, format, bytes) => {
    expect(() => decodeNode(bytes, format, { path: '/3/0', model })).toThrow(CodecError);
  });
});
