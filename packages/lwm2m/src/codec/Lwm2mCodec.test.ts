import { describe, expect, it } from 'vitest';
import { ContentFormat } from '../ContentFormat.js';
import { ObjectRegistry } from '../model/ObjectRegistry.js';
import type { Lwm2mNode, Lwm2mObject, Lwm2mObjectInstance } from '../node/Lwm2mNode.js';
import { lwm2mObject, multipleResource, objectInstance, resourceInstance, singleResource } from '../node/Lwm2mNode.js';
import { CodecError } from './CodecError.js';
import {
  decodeCompositePaths,
  decodeNode,
  decodeNodes,
  decodeTimestampedNodes,
  encodeCompositePaths,
  encodeNode,
  encodeNodes,
} from './Lwm2mCodec.js';
import { ACL_TLV_HEX, DEVICE_TLV_HEX, SERVER_TLV_HEX, deviceInstance, hex, toHex } from './testVectors.js';

const model = new ObjectRegistry();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return (e as CodecError).code;
  }
  return undefined;
}

describe('TLV node codec', () => {
  it('decodes the TS /3/0 example into typed nodes and encodes it back to the same bytes', () => {
    const node = decodeNode(hex(DEVICE_TLV_HEX), ContentFormat.Tlv, { path: '/3/0', model });
    expect(node).toEqual(deviceInstance());
    expect(toHex(encodeNode(deviceInstance(), ContentFormat.Tlv, { path: '/3/0' }))).toBe(toHex(hex(DEVICE_TLV_HEX)));
  });

  it('decodes the TS /2 example (two Access Control instances)', () => {
    const node = decodeNode(hex(ACL_TLV_HEX), ContentFormat.Tlv, { path: '/2', model }) as Lwm2mObject;
    expect(node.kind).toBe('object');
    expect(node.instances.map((i) => i.id)).toEqual([0, 2]);
    const acl = node.instances[1]?.resources.find((r) => r.id === 2);
    expect(acl).toEqual(multipleResource(2, 'integer', { 127: 7, 310: 1 }));
    expect(toHex(encodeNode(node, ContentFormat.Tlv, { path: '/2' }))).toBe(toHex(hex(ACL_TLV_HEX)));
  });

  it('decodes the TS /1 example (wrapped instance) at the object path and at the instance path', () => {
    const expected = objectInstance(0, [
      singleResource(0, 'integer', 1),
      singleResource(1, 'integer', 86400),
      singleResource(6, 'boolean', true),
      singleResource(7, 'string', 'U'),
    ]);
    expect(decodeNode(hex(SERVER_TLV_HEX), ContentFormat.Tlv, { path: '/1', model })).toEqual(lwm2mObject(1, [expected]));
    expect(decodeNode(hex(SERVER_TLV_HEX), ContentFormat.Tlv, { path: '/1/0', model })).toEqual(expected);
    // An instance written to the object path (Create) is wrapped; to its own path it is not.
    expect(toHex(encodeNode(expected, ContentFormat.Tlv, { path: '/1' }))).toBe(toHex(hex(SERVER_TLV_HEX)));
    expect(toHex(encodeNode(expected, ContentFormat.Tlv, { path: '/1/0' }))).toBe(toHex(hex(SERVER_TLV_HEX)).slice(6));
  });

  it('encodes single resources, multiple resources and resource instances', () => {
    expect(toHex(encodeNode(singleResource(9, 'integer', 100), ContentFormat.Tlv, { path: '/3/0/9' }))).toBe('C10964');
    expect(toHex(encodeNode(multipleResource(6, 'integer', { 0: 1, 1: 5 }), ContentFormat.Tlv, { path: '/3/0/6' }))).toBe('8606410001410105');
    expect(toHex(encodeNode(resourceInstance(1, 'integer', 5), ContentFormat.Tlv, { path: '/3/0/6/1' }))).toBe('410105');
    expect(decodeNode(hex('410105'), ContentFormat.Tlv, { path: '/3/0/6/1', model })).toEqual(resourceInstance(1, 'integer', 5));
    // Resource instances without the multiple-resource wrapper at a resource path.
    expect(decodeNode(hex('410001410105'), ContentFormat.Tlv, { path: '/3/0/6', model })).toEqual(multipleResource(6, 'integer', { 0: 1, 1: 5 }));
  });

  it('writes the Security object of a bootstrap (opaque key, boolean, integers)', () => {
    const sec = objectInstance(1, [
      singleResource(0, 'string', 'coaps://127.0.0.1:5684'),
      singleResource(1, 'boolean', false),
      singleResource(2, 'integer', 0),
      singleResource(3, 'opaque', utf8('dev-001')),
      singleResource(5, 'opaque', new Uint8Array(16).fill(0xab)),
      singleResource(10, 'integer', 101),
    ]);
    const bytes = encodeNode(sec, ContentFormat.Tlv, { path: '/0/1' });
    expect(decodeNode(bytes, ContentFormat.Tlv, { path: '/0/1', model })).toEqual(sec);
  });

  it('without a model, values decode as opaque bytes', () => {
    const node = decodeNode(hex('C10964'), ContentFormat.Tlv, { path: '/3/0/9' });
    expect(node).toEqual(singleResource(9, 'opaque', Uint8Array.of(0x64)));
  });

  it('rejects ids that contradict the path, and type errors', () => {
    expect(codeOf(() => decodeNode(hex('C10964'), ContentFormat.Tlv, { path: '/3/0/8', model }))).toBe('LWM2M_CODEC_PATH_MISMATCH');
    expect(codeOf(() => decodeNode(hex('C1090264'), ContentFormat.Tlv, { path: '/3/0/9', model }))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => decodeNode(hex('C10602'), ContentFormat.Tlv, { path: '/1/0/6', model }))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => decodeNode(hex('C200FFFE'), ContentFormat.Tlv, { path: '/3/0/0', model }))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => encodeNode(singleResource(9, 'integer', 100), ContentFormat.Tlv, { path: '/3/0/8' }))).toBe('LWM2M_CODEC_PATH_MISMATCH');
    expect(codeOf(() => decodeNode(hex('C10964'), ContentFormat.Tlv, { path: '/' }))).toBe('LWM2M_CODEC_UNSUPPORTED');
  });
});

describe('text/plain and opaque', () => {
  it.each([
    ['/3/0/0', 'string', 'Open Mobile Alliance', 'Open Mobile Alliance'],
    ['/3/0/9', 'integer', 100, '100'],
    ['/3303/0/5700', 'float', 22.5, '22.5'],
    ['/3311/0/5850', 'boolean', true, '1'],
    ['/3/0/13', 'time', new Date(1367491215000), '1367491215'],
    ['/1/0/10', 'objlnk', { objectId: 11, instanceId: 0 }, '11:0'],
    ['/0/0/5', 'opaque', Uint8Array.of(1, 2, 3, 250), 'AQID+g=='],
  ] as const)('%s (%s) <-> %s', (path, type, value, wire) => {
    const node = singleResource(Number(path.split('/')[3]), type, value);
    expect(text(encodeNode(node, ContentFormat.Text, { path }))).toBe(wire);
    expect(decodeNode(utf8(wire), ContentFormat.Text, { path, model })).toEqual(node);
  });

  it('accepts true/false for booleans and refuses bad text with a type mismatch', () => {
    expect(decodeNode(utf8('false'), ContentFormat.Text, { path: '/3311/0/5850', model })).toEqual(singleResource(5850, 'boolean', false));
    for (const [path, bad] of [
      ['/3/0/9', 'abc'],
      ['/3/0/9', '1.5'],
      ['/3/0/9', '99999999999999999999999'],
      ['/3303/0/5700', 'NaN'],
      ['/3311/0/5850', '2'],
      ['/1/0/10', '11'],
      ['/0/0/5', '***'],
    ] as const) {
      expect(codeOf(() => decodeNode(utf8(bad), ContentFormat.Text, { path, model }))).toBe('LWM2M_CODEC_TYPE_MISMATCH');
    }
  });

  it('refuses text for objects, instances and multiple resources', () => {
    expect(codeOf(() => encodeNode(deviceInstance(), ContentFormat.Text, { path: '/3/0' }))).toBe('LWM2M_CODEC_UNSUPPORTED');
    expect(codeOf(() => decodeNode(utf8('1'), ContentFormat.Text, { path: '/3/0/6', model }))).toBe('LWM2M_CODEC_UNSUPPORTED');
    expect(codeOf(() => decodeNode(utf8('1'), ContentFormat.Text, { path: '/3/0', model }))).toBe('LWM2M_CODEC_UNSUPPORTED');
    expect(decodeNode(utf8('5'), ContentFormat.Text, { path: '/3/0/6/1', model })).toEqual(resourceInstance(1, 'integer', 5));
  });

  it('carries opaque resources raw, and only those', () => {
    const key = Uint8Array.of(0, 1, 2, 255);
    expect(encodeNode(singleResource(5, 'opaque', key), ContentFormat.Opaque, { path: '/0/1/5' })).toEqual(key);
    expect(decodeNode(key, ContentFormat.Opaque, { path: '/0/1/5', model })).toEqual(singleResource(5, 'opaque', key));
    expect(codeOf(() => encodeNode(singleResource(9, 'integer', 1), ContentFormat.Opaque, { path: '/3/0/9' }))).toBe('LWM2M_CODEC_UNSUPPORTED');
    expect(codeOf(() => decodeNode(key, ContentFormat.Opaque, { path: '/3/0/9', model }))).toBe('LWM2M_CODEC_UNSUPPORTED');
  });
});

describe('CBOR (60), one value', () => {
  it.each([
    ['/3/0/9', 'integer', 100, '1864'],
    ['/3/0/9', 'integer', -1, '20'],
    ['/3/0/0', 'string', 'U', '6155'],
    ['/3311/0/5850', 'boolean', true, 'F5'],
    ['/3303/0/5700', 'float', 22.5, 'FB4036800000000000'],
    ['/0/0/5', 'opaque', Uint8Array.of(1, 2), '420102'],
    ['/3/0/13', 'time', new Date(1367491215000), '1A5182428F'],
    ['/1/0/10', 'objlnk', { objectId: 11, instanceId: 0 }, '6431313A30'],
  ] as const)('%s (%s) <-> %s', (path, type, value, wire) => {
    const node = singleResource(Number(path.split('/')[3]), type, value);
    expect(toHex(encodeNode(node, ContentFormat.Cbor, { path }))).toBe(wire);
    expect(decodeNode(hex(wire), ContentFormat.Cbor, { path, model })).toEqual(node);
  });

  it('accepts a half-precision float and a tag-1 time, refuses containers and mismatches', () => {
    expect(decodeNode(hex('F94DA0'), ContentFormat.Cbor, { path: '/3303/0/5700', model })).toEqual(singleResource(5700, 'float', 22.5));
    expect(decodeNode(hex('C11A5182428F'), ContentFormat.Cbor, { path: '/3/0/13', model })).toEqual(singleResource(13, 'time', new Date(1367491215000)));
    expect(codeOf(() => decodeNode(hex('80'), ContentFormat.Cbor, { path: '/3/0/9', model }))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => decodeNode(hex('18641864'), ContentFormat.Cbor, { path: '/3/0/9', model }))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => decodeNode(hex('6155'), ContentFormat.Cbor, { path: '/3/0/9', model }))).toBe('LWM2M_CODEC_TYPE_MISMATCH');
    expect(codeOf(() => decodeNode(hex('F6'), ContentFormat.Cbor, { path: '/3/0/9', model }))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => encodeNode(deviceInstance(), ContentFormat.Cbor, { path: '/3/0' }))).toBe('LWM2M_CODEC_UNSUPPORTED');
  });
});

describe('SenML-JSON, SenML-CBOR and LwM2M JSON', () => {
  it('encodes /3/0 in SenML-JSON with a base name and relative names', () => {
    const json = JSON.parse(text(encodeNode(deviceInstance(), ContentFormat.SenmlJson, { path: '/3/0' }))) as Record<string, unknown>[];
    expect(json[0]).toEqual({ bn: '/3/0/', n: '0', vs: 'Open Mobile Alliance' });
    expect(json).toContainEqual({ n: '6/1', v: 5 });
    expect(json).toContainEqual({ n: '13', v: 1367491215 });
    expect(json).toHaveLength(16);
  });

  it('decodes SenML-JSON written by hand (absolute names, vd, vlo, vb)', () => {
    const payload = `[{"bn":"/3303/0/","n":"5700","v":22.5},{"n":"5701","vs":"Cel"},
      {"bn":"","n":"/3311/0/5850","vb":true},{"n":"/0/1/5","vd":"AAEC_w"},{"n":"/1/0/10","vlo":"11:0"}]`;
    const nodes = decodeNodes(utf8(payload), ContentFormat.SenmlJson, { model });
    expect(nodes.map((n) => [n.path.toString(), n.node])).toEqual([
      ['/3303/0/5700', singleResource(5700, 'float', 22.5)],
      ['/3303/0/5701', singleResource(5701, 'string', 'Cel')],
      ['/3311/0/5850', singleResource(5850, 'boolean', true)],
      ['/0/1/5', singleResource(5, 'opaque', Uint8Array.of(0, 1, 2, 255))],
      ['/1/0/10', singleResource(10, 'objlnk', { objectId: 11, instanceId: 0 })],
    ]);
  });

  it.each([ContentFormat.SenmlJson, ContentFormat.SenmlCbor, ContentFormat.Json, ContentFormat.Tlv])(
    'round-trips objects, instances, resources and instances in format %i',
    (format) => {
      const cases: [string, Lwm2mNode][] = [
        ['/3/0', deviceInstance()],
        ['/3', lwm2mObject(3, [deviceInstance()])],
        ['/3/0/6', multipleResource(6, 'integer', { 0: 1, 1: 5 })],
        ['/3/0/6/1', resourceInstance(1, 'integer', 5)],
        ['/3303/0/5700', singleResource(5700, 'float', -12.25)],
        ['/0/0/5', singleResource(5, 'opaque', Uint8Array.of(9, 8, 7))],
        ['/1/0/10', singleResource(10, 'objlnk', { objectId: 65535, instanceId: 65535 })],
        ['/3303/1', objectInstance(1, [singleResource(5700, 'float', 1.5), singleResource(5701, 'string', 'Cel')])],
      ];
      for (const [path, node] of cases) {
        const bytes = encodeNode(node, format, { path });
        expect(decodeNode(bytes, format, { path, model }), `${path} in ${format}`).toEqual(node);
      }
    },
  );

  it('decodes a SenML-CBOR vector written by hand (half-precision float, integer labels)', () => {
    // [{-2: "/3303/0/", 0: "5700", 2: 22.5 (f9 4da0)}, {0: "5701", 3: "Cel"}]
    const bytes = hex('82 A3 21 68 2F333330332F302F 00 64 35373030 02 F9 4DA0 A2 00 64 35373031 03 63 43656C');
    expect(decodeNode(bytes, ContentFormat.SenmlCbor, { path: '/3303/0', model })).toEqual(
      objectInstance(0, [singleResource(5700, 'float', 22.5), singleResource(5701, 'string', 'Cel')]),
    );
  });

  it('encodes SenML-CBOR with integer labels and a byte string for vd', () => {
    const bytes = encodeNode(singleResource(5, 'opaque', Uint8Array.of(1, 2)), ContentFormat.SenmlCbor, { path: '/0/1/5' });
    // [{-2: "/0/1/5", 8: h'0102'}]
    expect(toHex(bytes)).toBe('81A221662F302F312F350842' + '0102');
  });

  it('decodes the LwM2M JSON example shape of the TS (bn + e)', () => {
    const payload = `{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"6/0","v":1},{"n":"6/1","v":5},
      {"n":"9","v":100},{"n":"13","v":1367491215},{"n":"16","sv":"U"}]}`;
    expect(decodeNode(utf8(payload), ContentFormat.Json, { path: '/3/0', model })).toEqual(
      objectInstance(0, [
        singleResource(0, 'string', 'Open Mobile Alliance'),
        multipleResource(6, 'integer', { 0: 1, 1: 5 }),
        singleResource(9, 'integer', 100),
        singleResource(13, 'time', new Date(1367491215000)),
        singleResource(16, 'string', 'U'),
      ]),
    );
  });

  it('keeps timestamped values apart; decodeNode returns the most recent', () => {
    const payload = utf8('[{"bn":"/3303/0/5700","bt":1700000000,"v":20.5},{"t":10,"v":21.5},{"t":20,"v":22.5}]');
    const all = decodeTimestampedNodes(payload, ContentFormat.SenmlJson, { path: '/3303/0/5700', model });
    expect(all.map((x) => [x.time, (x.node as { value: number }).value])).toEqual([
      [1700000000, 20.5],
      [1700000010, 21.5],
      [1700000020, 22.5],
    ]);
    expect(decodeNode(payload, ContentFormat.SenmlJson, { path: '/3303/0/5700', model })).toEqual(singleResource(5700, 'float', 22.5));
  });

  it('encodes and decodes composite payloads (several paths)', () => {
    const entries = [
      { path: '/3/0/0', node: singleResource(0, 'string', 'ACME') },
      { path: '/3303/0', node: objectInstance(0, [singleResource(5700, 'float', 21.5)]) },
    ];
    for (const format of [ContentFormat.SenmlJson, ContentFormat.SenmlCbor]) {
      const bytes = encodeNodes(entries, format);
      const back = decodeNodes(bytes, format, { model, paths: ['/3/0/0', '/3303/0'] });
      expect(back.map((b) => [b.path.toString(), b.node])).toEqual(entries.map((e) => [e.path, e.node]));
      const paths = encodeCompositePaths(['/3/0/0', '/3303/0', '/'], format);
      expect(decodeCompositePaths(paths, format).map(String)).toEqual(['/3/0/0', '/3303/0', '/']);
    }
    expect(text(encodeCompositePaths(['/3/0/0', '/1'], ContentFormat.SenmlJson))).toBe('[{"n":"/3/0/0"},{"n":"/1"}]');
    expect(codeOf(() => encodeNodes(entries, ContentFormat.Tlv))).toBe('LWM2M_CODEC_UNSUPPORTED');
  });

  it('rejects records outside the path, mistyped values and malformed documents', () => {
    const d = (s: string, path: string, format: number = ContentFormat.SenmlJson) => () => decodeNode(utf8(s), format, { path, model });
    expect(codeOf(d('[{"n":"/3/0/1","vs":"x"}]', '/3/0/0'))).toBe('LWM2M_CODEC_PATH_MISMATCH');
    expect(codeOf(d('[{"n":"/3/0/9","vs":"x"}]', '/3/0/9'))).toBe('LWM2M_CODEC_TYPE_MISMATCH');
    expect(codeOf(d('[{"n":"/3/0/9","v":1.5}]', '/3/0/9'))).toBe('LWM2M_CODEC_TYPE_MISMATCH');
    expect(codeOf(d('[{"n":"/3/0/9","v":1,"vs":"1"}]', '/3/0/9'))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(d('[{"n":"/3/0/9","v":1},{"n":"/3/0/9","v":2}]', '/3/0/9'))).toBe('LWM2M_CODEC_PATH_MISMATCH');
    expect(codeOf(d('[{"n":"/3/x/9","v":1}]', '/3/0/9'))).toBe('LWM2M_CODEC_PATH_MISMATCH');
    expect(codeOf(d('[{"n":"/3/0/9","v":1,"x_":1}]', '/3/0/9'))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(d('{"n":"/3/0/9"}', '/3/0/9'))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(d('[{"n":"/3/0/9","v":1', '/3/0/9'))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(d('{"e":5}', '/3/0/9', ContentFormat.Json))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => decodeNode(hex('FF'), ContentFormat.SenmlCbor, { path: '/3/0/9' }))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => decodeNode(hex('A0'), ContentFormat.SenmlCbor, { path: '/3/0/9' }))).toBe('LWM2M_CODEC_MALFORMED');
    expect(codeOf(() => decodeNode(new Uint8Array(0), 12345, { path: '/3/0/9' }))).toBe('LWM2M_CODEC_UNSUPPORTED');
  });

  it('types values by the model when there is one, and otherwise types every number float (the same whatever the value)', () => {
    const payload = utf8('[{"n":"/3/0/9","v":100}]');
    expect(decodeNode(payload, ContentFormat.SenmlJson, { path: '/3/0/9' })).toEqual(singleResource(9, 'float', 100));
    const inst = decodeNode(utf8('[{"n":"/3/0/7/0","v":1},{"n":"/3/0/7/1","v":1.5}]'), ContentFormat.SenmlJson, { path: '/3/0/7' });
    expect(inst).toEqual(multipleResource(7, 'float', { 0: 1, 1: 1.5 }));
    const empty = decodeNode(utf8('[]'), ContentFormat.SenmlJson, { path: '/3/0', model }) as Lwm2mObjectInstance;
    expect(empty.resources).toEqual([]);
  });
});

describe('no payload text in errors', () => {
  it('does not echo payload content (possibly key material) in messages or details', () => {
    const secret = 'c2VjcmV0LWtleS0xMjM0NTY3ODkw';
    const errors: unknown[] = [];
    for (const fn of [
      () => decodeNode(utf8(`${secret}***`), ContentFormat.Text, { path: '/0/1/5', model }),
      () => decodeNode(utf8(`${secret}x`), ContentFormat.Text, { path: '/3/0/9', model }),
      () => decodeNode(utf8(`[{"n":"/0/1/5","vs":"${secret}"} x`), ContentFormat.SenmlJson, { path: '/0/1/5', model }),
      () => decodeNode(utf8(`{"e":[{"sv":"${secret}"}] x`), ContentFormat.Json, { path: '/0/1/5', model }),
    ]) {
      try {
        fn();
      } catch (e) {
        errors.push(e);
      }
    }
    expect(errors).toHaveLength(4);
    for (const e of errors) {
      expect(e).toBeInstanceOf(CodecError);
      const err = e as CodecError;
      expect(err.message + JSON.stringify(err.details ?? {}) + String(err.cause ?? '')).not.toContain('c2VjcmV0');
    }
  });
});
