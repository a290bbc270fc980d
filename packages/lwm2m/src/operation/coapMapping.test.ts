import { describe, expect, it } from 'vitest';
import { CodecError } from '../codec/CodecError.js';
import { deviceInstance } from '../codec/testVectors.js';
import { ContentFormat } from '../ContentFormat.js';
import { NotSupportedError } from '../Lwm2mError.js';
import { ObjectRegistry } from '../model/ObjectRegistry.js';
import { objectInstance, singleResource } from '../node/Lwm2mNode.js';
import { parsePath } from '../path/Lwm2mPath.js';
import {
  SuccessCodes,
  errorResponseCode,
  fromCoapResponse,
  toCoapRequest,
  toCoapResponse,
} from './coapMapping.js';
import type { IncomingCoapRequest, Lwm2mCoapRequest } from './coapMapping.js';
import { InvalidRequestError } from './InvalidRequestError.js';
import { parseDownlinkRequest } from './parseDownlinkRequest.js';
import type { DownlinkRequest, BootstrapDownlinkRequest, Lwm2mRequest, ReadRequest, RegisterRequest } from './Lwm2mRequest.js';
import { isSuccessCode, responseCodeName } from './ResponseCode.js';

const model = new ObjectRegistry();

const p = parsePath;
const utf8 = (s: string) => new TextEncoder().encode(s);

function incoming(c: Lwm2mCoapRequest): IncomingCoapRequest {
  return { ...c, payload: c.payload ?? new Uint8Array(0) };
}

describe('LwM2M -> CoAP request mapping', () => {
  it.each<[string, Lwm2mRequest, Partial<Lwm2mCoapRequest>]>([
    ['read', { kind: 'read', path: p('/3/0/1'), format: 110 }, { method: 'GET', path: ['3', '0', '1'], query: [], accept: 110 }],
    ['discover', { kind: 'discover', path: p('/3'), depth: 2 }, { method: 'GET', path: ['3'], query: ['depth=2'], accept: 40 }],
    ['write replace', { kind: 'write', path: p('/3/0/14'), mode: 'replace', node: singleResource(14, 'string', '+01'), format: 0 }, { method: 'PUT', contentFormat: 0 }],
    ['write update', { kind: 'write', path: p('/3/0'), mode: 'update', node: objectInstance(0, [singleResource(14, 'string', '+01')]), format: 11542 }, { method: 'POST', contentFormat: 11542 }],
    ['write-attributes', { kind: 'write-attributes', path: p('/3303/0/5700'), attributes: { pmin: 10, pmax: 60, st: 0.5, gt: null } }, { method: 'PUT', query: ['pmin=10', 'pmax=60', 'gt', 'st=0.5'] }],
    ['execute', { kind: 'execute', path: p('/3/0/4') }, { method: 'POST', path: ['3', '0', '4'], query: [] }],
    ['create', { kind: 'create', path: p('/3303'), instanceId: 1, resources: [singleResource(5700, 'float', 1.5)], format: 110 }, { method: 'POST', path: ['3303'], contentFormat: 110 }],
    ['delete', { kind: 'delete', path: p('/3303/1') }, { method: 'DELETE', path: ['3303', '1'] }],
    ['observe', { kind: 'observe', path: p('/3303/0/5700') }, { method: 'GET', observe: 0 }],
    ['cancel-observe', { kind: 'cancel-observe', path: p('/3303/0/5700') }, { method: 'GET', observe: 1 }],
    ['read-composite', { kind: 'read-composite', paths: [p('/3/0/0'), p('/3303/0')], requestFormat: 110 }, { method: 'FETCH', path: [], contentFormat: 110, accept: 110 }],
    ['observe-composite', { kind: 'observe-composite', paths: [p('/3303/0')], requestFormat: 112, format: 112 }, { method: 'FETCH', observe: 0, contentFormat: 112 }],
    ['bootstrap-request', { kind: 'bootstrap-request', endpoint: 'dev-001', preferredContentFormat: 110 }, { method: 'POST', path: ['bs'], query: ['ep=dev-001', 'pct=110'] }],
    ['bootstrap-write', { kind: 'bootstrap-write', path: p('/0/1'), node: objectInstance(1, [singleResource(0, 'string', 'coaps://x')]), format: 11542 }, { method: 'PUT', path: ['0', '1'], contentFormat: 11542 }],
    ['bootstrap-delete', { kind: 'bootstrap-delete', path: p('/') }, { method: 'DELETE', path: [] }],
    ['bootstrap-discover', { kind: 'bootstrap-discover', path: p('/') }, { method: 'GET', path: [], accept: 40 }],
    ['bootstrap-finish', { kind: 'bootstrap-finish' }, { method: 'POST', path: ['bs'], query: [] }],
    ['update', { kind: 'update', registrationId: 'r1', lifetime: 600 }, { method: 'POST', path: ['rd', 'r1'], query: ['lt=600'] }],
    ['deregister', { kind: 'deregister', registrationId: 'r1' }, { method: 'DELETE', path: ['rd', 'r1'], query: [] }],
  ])('%s', (_name, req, expected) => {
    expect(toCoapRequest(req)).toMatchObject(expected);
  });
});

describe('CoAP -> LwM2M request parsing', () => {
  it.each<Lwm2mRequest>([
    { kind: 'read', path: p('/3/0/1'), format: 110 },
    { kind: 'read', path: p('/3') },
    { kind: 'discover', path: p('/3'), depth: 2 },
    { kind: 'write', path: p('/3/0/14'), mode: 'replace', node: singleResource(14, 'string', '+01'), format: 0 },
    { kind: 'write', path: p('/3/0'), mode: 'update', node: objectInstance(0, [singleResource(14, 'string', '+01')]), format: 11542 },
    { kind: 'write-attributes', path: p('/3303/0/5700'), attributes: { pmin: 10, pmax: 60, gt: null } },
    { kind: 'execute', path: p('/3/0/4') },
    { kind: 'execute', path: p('/3/0/4'), arguments: "0='a'" },
    { kind: 'create', path: p('/3303'), instanceId: 1, resources: [singleResource(5700, 'float', 1.5)], format: 110 },
    { kind: 'create', path: p('/3303'), instanceId: 2, resources: [singleResource(5700, 'float', 1.5)], format: 11542 },
    { kind: 'create', path: p('/3303'), resources: [singleResource(5700, 'float', 1.5), singleResource(5701, 'string', 'Cel')], format: 11542 },
    { kind: 'delete', path: p('/3303/1') },
    { kind: 'observe', path: p('/3303/0/5700'), format: 112 },
    { kind: 'cancel-observe', path: p('/3303/0/5700') },
    { kind: 'read-composite', paths: [p('/3/0/0'), p('/3303/0')], requestFormat: 110, format: 110 },
    { kind: 'observe-composite', paths: [p('/3303/0')], requestFormat: 112, format: 112 },
    { kind: 'write-composite', nodes: [{ path: p('/3/0/14'), node: singleResource(14, 'string', '+01') }], format: 110 },
  ])('a client parses what a server sends: $kind', (req) => {
    expect(parseDownlinkRequest(incoming(toCoapRequest(req)), { interface: 'dm', model })).toEqual(req);
  });

  it.each<BootstrapDownlinkRequest>([
    { kind: 'bootstrap-write', path: p('/0/1'), node: objectInstance(1, [singleResource(0, 'string', 'coaps://x'), singleResource(5, 'opaque', Uint8Array.of(1, 2))]), format: 11542 },
    { kind: 'bootstrap-write', path: p('/1/0'), node: objectInstance(0, [singleResource(1, 'integer', 300)]), format: 110 },
    { kind: 'bootstrap-delete', path: p('/') },
    { kind: 'bootstrap-delete', path: p('/0') },
    { kind: 'bootstrap-discover', path: p('/') },
    { kind: 'bootstrap-finish' },
  ])('a client parses what a bootstrap server sends: $kind', (req) => {
    expect(parseDownlinkRequest(incoming(toCoapRequest(req)), { interface: 'bootstrap', model })).toEqual(req);
  });

  it('rejects downlinks that make no sense', () => {
    const dm = (r: IncomingCoapRequest) => () => parseDownlinkRequest(r, { interface: 'dm', model });
    const empty = new Uint8Array(0);
    expect(dm({ method: 'PUT', path: ['3', '0', '1'], query: [], payload: utf8('x') })).toThrow(InvalidRequestError); // no content format
    expect(dm({ method: 'PUT', path: ['3', '0', '9'], query: [], contentFormat: 0, payload: utf8('x') })).toThrow(CodecError);
    expect(dm({ method: 'PUT', path: ['3303', '0', '5700'], query: ['foo=1'], payload: empty })).toThrow(InvalidRequestError);
    expect(dm({ method: 'GET', path: ['x'], query: [], payload: empty })).toThrow(InvalidRequestError);
    expect(dm({ method: 'PATCH', path: ['3'], query: [], payload: empty })).toThrow(InvalidRequestError);
    expect(dm({ method: 'DELETE', path: ['3'], query: [], payload: empty })).toThrow(InvalidRequestError);
    expect(() => parseDownlinkRequest({ method: 'GET', path: ['bs'], query: [], payload: empty }, { interface: 'bootstrap' })).toThrow(InvalidRequestError);
  });
});

describe('responses', () => {
  it('decodes a Read response into a typed node, and encodes it back', () => {
    const req: ReadRequest = { kind: 'read', path: p('/3/0'), format: ContentFormat.Tlv };
    const coap = toCoapResponse(req, { ok: true, code: '2.05', node: deviceInstance(), format: ContentFormat.Tlv });
    expect(coap.code).toBe('2.05');
    expect(coap.contentFormat).toBe(ContentFormat.Tlv);
    const res = fromCoapResponse(req, coap, { model });
    expect(res.ok && res.node).toEqual(deviceInstance());
  });

  it('returns failures with the CoAP code and the diagnostic text', () => {
    const req: ReadRequest = { kind: 'read', path: p('/3/0/99') };
    const res = fromCoapResponse(req, { code: '4.04', payload: utf8('no such resource') });
    expect(res).toEqual({ ok: false, code: '4.04', message: 'no such resource' });
    expect(toCoapResponse(req, res)).toEqual({ code: '4.04', payload: utf8('no such resource') });
  });

  it('turns an undecodable success payload into a failure carrying the CodecError', () => {
    const res = fromCoapResponse({ kind: 'read', path: p('/3/0/9') }, { code: '2.05', contentFormat: ContentFormat.Tlv, payload: Uint8Array.of(0xc8) }, { model });
    expect(res.ok).toBe(false);
    expect(!res.ok && res.error).toBeInstanceOf(CodecError);
  });

  it('maps Register, Create, Discover and composite responses', () => {
    const register: RegisterRequest = { kind: 'register', endpoint: 'dev-001', lifetime: 300, lwm2mVersion: '1.1', binding: 'U', queueMode: false, rootPath: '/', objectLinks: [] };
    expect(toCoapResponse(register, { ok: true, code: '2.01', registrationId: 'abc' })).toEqual({ code: '2.01', locationPath: ['rd', 'abc'] });
    const reg = fromCoapResponse(register, { code: '2.01', locationPath: ['rd', 'abc'] });
    expect(reg.ok && reg.registrationId).toBe('abc');
    expect(fromCoapResponse(register, { code: '2.01', locationPath: [] }).ok).toBe(false);

    const create = fromCoapResponse({ kind: 'create', path: p('/3303'), resources: [], format: 11542 }, { code: '2.01', locationPath: ['3303', '1'] });
    expect(create.ok && create.location?.toString()).toBe('/3303/1');

    const disc = fromCoapResponse({ kind: 'discover', path: p('/3') }, { code: '2.05', contentFormat: 40, payload: utf8('</3>;ver=1.1,</3/0/1>,</3/0/6>;dim=2') });
    expect(disc.ok && disc.links.map((l) => l.uri)).toEqual(['/3', '/3/0/1', '/3/0/6']);

    const composite = { kind: 'read-composite' as const, paths: [p('/3/0/0'), p('/3303/0/5700')], requestFormat: 110 };
    const nodes = [
      { path: p('/3/0/0'), node: singleResource(0, 'string', 'ACME') },
      { path: p('/3303/0/5700'), node: singleResource(5700, 'float', 21.5) },
    ];
    const coap = toCoapResponse(composite, { ok: true, code: '2.05', nodes, format: 110 });
    const back = fromCoapResponse(composite, coap, { model });
    expect(back.ok && back.nodes).toEqual(nodes);
  });

  it('knows the success code of every operation and maps errors to codes', () => {
    expect(SuccessCodes.create).toBe('2.01');
    expect(SuccessCodes['bootstrap-finish']).toBe('2.04');
    expect(SuccessCodes.deregister).toBe('2.02');
    expect(Object.values(SuccessCodes).every(isSuccessCode)).toBe(true);
    expect(responseCodeName('4.15')).toBe('UnsupportedContentFormat');
    expect(errorResponseCode(new NotSupportedError('x'))).toBe('5.01');
    expect(errorResponseCode(new Error('boom'))).toBe('5.00');
  });
});

// Type-level check: the response type follows the request kind.
const _typed: DownlinkRequest = { kind: 'read', path: p('/3') };
void _typed;
