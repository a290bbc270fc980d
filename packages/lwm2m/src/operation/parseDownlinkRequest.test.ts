import { describe, expect, it } from 'vitest';
import { ContentFormat } from '../ContentFormat.js';
import { NotSupportedError } from '../Lwm2mError.js';
import { ObjectRegistry } from '../model/ObjectRegistry.js';
import { singleResource } from '../node/Lwm2mNode.js';
import { parsePath } from '../path/Lwm2mPath.js';
import { errorResponseCode, toCoapRequest, type IncomingCoapRequest } from './coapMapping.js';
import { classifyDownlinkRequest, parseDownlinkRequest } from './parseDownlinkRequest.js';

const empty = new Uint8Array(0);
const req = (r: Partial<IncomingCoapRequest> & Pick<IncomingCoapRequest, 'method' | 'path'>): IncomingCoapRequest => ({ query: [], payload: empty, ...r });
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return errorResponseCode(e);
  }
  return 'ok';
};

describe('classifyDownlinkRequest', () => {
  it('names the operation by method, path depth and options', () => {
    expect(classifyDownlinkRequest(req({ method: 'GET', path: ['3', '0'], accept: ContentFormat.Link, query: ['depth=1'] }))).toEqual({ kind: 'discover', path: parsePath('/3/0'), depth: 1 });
    expect(classifyDownlinkRequest(req({ method: 'GET', path: ['3303', '0', '5700'], observe: 0, accept: 112 }))).toEqual({ kind: 'observe', path: parsePath('/3303/0/5700'), format: 112 });
    expect(classifyDownlinkRequest(req({ method: 'PUT', path: ['3', '0', '14'], payload: Uint8Array.of(0x2b) }))).toEqual({ kind: 'write', path: parsePath('/3/0/14'), mode: 'replace' });
    expect(classifyDownlinkRequest(req({ method: 'PUT', path: ['3303', '0'], query: ['pmin=5'] }))).toEqual({ kind: 'write-attributes', path: parsePath('/3303/0'), attributes: { pmin: 5 } });
    expect(classifyDownlinkRequest(req({ method: 'POST', path: ['3303'] }))).toEqual({ kind: 'create', path: parsePath('/3303') });
    expect(classifyDownlinkRequest(req({ method: 'FETCH', path: [], contentFormat: 110, observe: 0 }))).toEqual({ kind: 'observe-composite', requestFormat: 110 });
    expect(classifyDownlinkRequest(req({ method: 'IPATCH', path: [], contentFormat: 112 }))).toEqual({ kind: 'write-composite', format: 112 });
  });

  it('answers 4.04 for non-LwM2M paths, 4.05 for methods that do not fit the depth, 4.00 for bad options', () => {
    expect(codeOf(() => classifyDownlinkRequest(req({ method: 'GET', path: ['x'] })))).toBe('4.04');
    expect(codeOf(() => classifyDownlinkRequest(req({ method: 'GET', path: ['3', '0', '1', '2', '3'] })))).toBe('4.04');
    expect(codeOf(() => classifyDownlinkRequest(req({ method: 'DELETE', path: ['3'] })))).toBe('4.05');
    expect(codeOf(() => classifyDownlinkRequest(req({ method: 'POST', path: ['3', '0', '1', '0'] })))).toBe('4.05');
    expect(codeOf(() => classifyDownlinkRequest(req({ method: 'FETCH', path: ['3'], contentFormat: 110 })))).toBe('4.05');
    expect(codeOf(() => classifyDownlinkRequest(req({ method: 'GET', path: ['3'], accept: ContentFormat.Link, query: ['depth=9'] })))).toBe('4.00');
    expect(codeOf(() => classifyDownlinkRequest(req({ method: 'PUT', path: ['3', '0'], query: ['foo=1'] })))).toBe('4.00');
    expect(codeOf(() => classifyDownlinkRequest(req({ method: 'PATCH', path: ['3'] })))).toBe('4.05');
    for (const bad of ['pmin=-1', 'pmax=1.5', 'epmin=x', 'st=-0.5', 'gt=1e3']) {
      expect(codeOf(() => classifyDownlinkRequest(req({ method: 'PUT', path: ['3303', '0', '5700'], query: [bad] })))).toBe('4.00');
    }
    expect(classifyDownlinkRequest(req({ method: 'PUT', path: ['3303', '0', '5700'], query: ['gt=-10.5', 'st=0.5', 'pmax'] }))).toMatchObject({ attributes: { gt: -10.5, st: 0.5, pmax: null } });
  });
});

describe('Create without an instance id', () => {
  const model = new ObjectRegistry();
  const resources = [singleResource(5700, 'float', 21.5), singleResource(5701, 'string', 'Cel')];

  it('goes out as top-level resource TLVs, and a client reads it back as "no id"', () => {
    const coap = toCoapRequest({ kind: 'create', path: parsePath('/3303'), resources, format: ContentFormat.Tlv });
    expect((coap.payload?.[0] ?? 0) >> 6).toBe(3); // a resource TLV: no object instance wrapper
    const parsed = parseDownlinkRequest({ ...coap, payload: coap.payload ?? empty }, { interface: 'dm', model });
    expect(parsed).toEqual({ kind: 'create', path: parsePath('/3303'), resources, format: ContentFormat.Tlv });
  });

  it('is refused in SenML, whose names always carry the instance', () => {
    expect(() => toCoapRequest({ kind: 'create', path: parsePath('/3303'), resources, format: ContentFormat.SenmlJson })).toThrow(NotSupportedError);
  });

  it('with an id, names the instance', () => {
    const coap = toCoapRequest({ kind: 'create', path: parsePath('/3303'), instanceId: 7, resources, format: ContentFormat.SenmlJson });
    expect(new TextDecoder().decode(coap.payload)).toContain('"n":"7/5700"');
  });
});
