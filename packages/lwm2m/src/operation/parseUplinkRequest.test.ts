import { describe, expect, it } from 'vitest';
import { CodecError } from '../codec/CodecError.js';
import { ContentFormat } from '../ContentFormat.js';
import { ObjectRegistry } from '../model/ObjectRegistry.js';
import { singleResource } from '../node/Lwm2mNode.js';
import { parsePath } from '../path/Lwm2mPath.js';
import { errorResponseCode, toCoapRequest, type IncomingCoapRequest, type Lwm2mCoapRequest } from './coapMapping.js';
import { InvalidRequestCode, InvalidRequestError } from './InvalidRequestError.js';
import type { RegisterRequest, UplinkRequest } from './Lwm2mRequest.js';
import { parseUplinkRequest } from './parseUplinkRequest.js';

const model = new ObjectRegistry();
const p = parsePath;
const utf8 = (s: string) => new TextEncoder().encode(s);
const empty = new Uint8Array(0);

function codeError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function incoming(c: Lwm2mCoapRequest): IncomingCoapRequest {
  return { ...c, payload: c.payload ?? new Uint8Array(0) };
}

const register: RegisterRequest = {
  kind: 'register',
  endpoint: 'dev-001',
  lifetime: 300,
  lwm2mVersion: '1.1',
  binding: 'U',
  queueMode: false,
  rootPath: '/',
  objectLinks: [
    { path: '/1/0', objectId: 1, instanceId: 0 },
    { path: '/3/0', objectId: 3, instanceId: 0, version: '1.1', attributes: { ver: '1.1' } },
  ],
  supportedContentFormats: [110, 112],
};

const rd = (query: string[], extra: Partial<IncomingCoapRequest> = {}): IncomingCoapRequest => ({ method: 'POST', path: ['rd'], query, payload: utf8('</3/0>'), ...extra });
const bs = (query: string[]): IncomingCoapRequest => ({ method: 'POST', path: ['bs'], query, payload: empty });
const up = (query: string[]): IncomingCoapRequest => ({ method: 'POST', path: ['rd', 'r1'], query, payload: empty });

describe('parseUplinkRequest', () => {
  it('is the inverse of toCoapRequest for Register, whose links go in the payload', () => {
    expect(toCoapRequest(register)).toMatchObject({ method: 'POST', path: ['rd'], query: ['ep=dev-001', 'lt=300', 'lwm2m=1.1', 'b=U'], contentFormat: 40 });
    expect(new TextDecoder().decode(toCoapRequest(register).payload)).toBe('</>;rt="oma.lwm2m";ct="110 112",</1/0>,</3/0>;ver=1.1');
  });

  it.each<UplinkRequest>([
    { kind: 'bootstrap-request', endpoint: 'dev-001', preferredContentFormat: 110 },
    { kind: 'bootstrap-request', endpoint: 'dev-001' },
    register,
    { ...register, queueMode: true, smsNumber: '+3312345', supportedContentFormats: undefined, objectLinks: [] },
    { kind: 'update', registrationId: 'r1', lifetime: 600 },
    { kind: 'update', registrationId: 'r1', binding: 'UQ', queueMode: true, objectLinks: [{ path: '/3303/0', objectId: 3303, instanceId: 0 }] },
    { kind: 'deregister', registrationId: 'r1' },
  ])('a server parses what a client sends: $kind', (req) => {
    const clean = JSON.parse(JSON.stringify(req)) as UplinkRequest;
    expect(parseUplinkRequest(incoming(toCoapRequest(req)))).toEqual(clean);
  });

  it('parses a Send (POST /dp) with typed values', () => {
    const send: UplinkRequest = {
      kind: 'send',
      nodes: [
        { path: p('/3303/0/5700'), node: singleResource(5700, 'float', 21.5) },
        { path: p('/3/0/9'), node: singleResource(9, 'integer', 87) },
      ],
      format: ContentFormat.SenmlCbor,
    };
    const coap = toCoapRequest(send);
    expect(coap).toMatchObject({ method: 'POST', path: ['dp'], contentFormat: 112 });
    expect(parseUplinkRequest(incoming(coap), { model })).toEqual(send);
    expect(errorResponseCode(codeError(() => parseUplinkRequest({ method: 'POST', path: ['dp'], query: [], payload: utf8('x') })))).toBe('4.00');
    expect(errorResponseCode(codeError(() => parseUplinkRequest({ method: 'GET', path: ['dp'], query: [], payload: new Uint8Array(0) })))).toBe('4.05');
  });

  it('fills Register defaults (lt 86400, lwm2m 1.0, b U) and reads a coap-client style request', () => {
    const r = parseUplinkRequest({ method: 'POST', path: ['rd'], query: ['ep=dev1'], contentFormat: 40, payload: utf8('</3/0>') });
    expect(r).toEqual({ kind: 'register', endpoint: 'dev1', lifetime: 86400, lwm2mVersion: '1.0', binding: 'U', queueMode: false, rootPath: '/', objectLinks: [{ path: '/3/0', objectId: 3, instanceId: 0 }] });
    const q = parseUplinkRequest({ method: 'POST', path: ['rd'], query: ['ep=dev1', 'b=UQ'], payload: new Uint8Array(0) });
    expect(q.kind === 'register' && q.queueMode).toBe(true);
  });

  it.each<[string, IncomingCoapRequest, string]>([
    ['register without ep', { method: 'POST', path: ['rd'], query: ['lt=300'], payload: new Uint8Array(0) }, '4.00'],
    ['register with ep twice', { method: 'POST', path: ['rd'], query: ['ep=a', 'ep=b'], payload: new Uint8Array(0) }, '4.00'],
    ['register with a bad lifetime', { method: 'POST', path: ['rd'], query: ['ep=a', 'lt=-1'], payload: new Uint8Array(0) }, '4.00'],
    ['register with lifetime 0', { method: 'POST', path: ['rd'], query: ['ep=a', 'lt=0'], payload: new Uint8Array(0) }, '4.00'],
    ['register with a bad binding', { method: 'POST', path: ['rd'], query: ['ep=a', 'b=XYZ'], payload: new Uint8Array(0) }, '4.00'],
    ['register with garbage links', { method: 'POST', path: ['rd'], query: ['ep=a'], contentFormat: 40, payload: utf8('<<<') }, '4.00'],
    ['register with links in TLV', { method: 'POST', path: ['rd'], query: ['ep=a'], contentFormat: 11542, payload: utf8('</3/0>') }, '4.15'],
    ['GET /rd', { method: 'GET', path: ['rd'], query: [], payload: new Uint8Array(0) }, '4.05'],
    ['PUT /rd/r1', { method: 'PUT', path: ['rd', 'r1'], query: [], payload: new Uint8Array(0) }, '4.05'],
    ['unknown URI', { method: 'POST', path: ['foo'], query: [], payload: new Uint8Array(0) }, '4.04'],
    ['bootstrap without ep', { method: 'POST', path: ['bs'], query: [], payload: new Uint8Array(0) }, '4.00'],
    ['bootstrap with a bad pct', { method: 'POST', path: ['bs'], query: ['ep=a', 'pct=x'], payload: new Uint8Array(0) }, '4.00'],
  ])('rejects %s with %s', (_name, req, code) => {
    let err: unknown;
    try {
      parseUplinkRequest(req);
    } catch (e) {
      err = e;
    }
    expect(err instanceof InvalidRequestError || err instanceof CodecError).toBe(true);
    expect(errorResponseCode(err)).toBe(code);
  });

  it.each<[string, IncomingCoapRequest, string, string | undefined]>([
    ['ep twice', rd(['ep=a', 'ep=a']), InvalidRequestCode.RepeatedParameter, 'ep'],
    ['lt twice', rd(['ep=a', 'lt=60', 'lt=90']), InvalidRequestCode.RepeatedParameter, 'lt'],
    ['an unknown parameter twice', rd(['ep=a', 'x=1', 'x=2']), InvalidRequestCode.RepeatedParameter, 'x'],
    ['pct twice', bs(['ep=a', 'pct=110', 'pct=11542']), InvalidRequestCode.RepeatedParameter, 'pct'],
    ['ep with a space', rd(['ep=dev 1']), InvalidRequestCode.BadRequest, 'ep'],
    ['ep with a control character', bs(['ep=dev\u00071']), InvalidRequestCode.BadRequest, 'ep'],
    ['ep of 256 characters', rd([`ep=${'e'.repeat(256)}`]), InvalidRequestCode.BadRequest, 'ep'],
    ['ep without value', bs(['ep']), InvalidRequestCode.BadRequest, 'ep'],
    ['lt beyond 32 bits', rd(['ep=a', 'lt=4294967296']), InvalidRequestCode.BadRequest, 'lt'],
    ['lt in hex', rd(['ep=a', 'lt=0x10']), InvalidRequestCode.BadRequest, 'lt'],
    ['pct beyond 65535', bs(['ep=a', 'pct=65536']), InvalidRequestCode.BadRequest, 'pct'],
    ['pct not a number', bs(['ep=a', 'pct=tlv']), InvalidRequestCode.BadRequest, 'pct'],
    ['lwm2m without minor', rd(['ep=a', 'lwm2m=2']), InvalidRequestCode.BadRequest, 'lwm2m'],
    ['lwm2m with a patch', rd(['ep=a', 'lwm2m=1.0.2']), InvalidRequestCode.BadRequest, 'lwm2m'],
    ['binding letter twice', rd(['ep=a', 'b=UU']), InvalidRequestCode.BadRequest, 'b'],
    ['binding letter unknown', rd(['ep=a', 'b=X']), InvalidRequestCode.BadRequest, 'b'],
    ['sms with letters', rd(['ep=a', 'sms=abc']), InvalidRequestCode.BadRequest, 'sms'],
    ['empty sms', up(['sms=']), InvalidRequestCode.BadRequest, 'sms'],
    ['Q with a value', rd(['ep=a', 'Q=1']), InvalidRequestCode.BadRequest, 'Q'],
    ['ep in an Update', up(['ep=b']), InvalidRequestCode.BadRequest, 'ep'],
  ])('rejects %s with 4.00 and names the parameter', (_name, req, code, param) => {
    const err = codeError(() => parseUplinkRequest(req));
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err).toMatchObject({ code, details: { param } });
    expect(errorResponseCode(err)).toBe('4.00');
  });

  it('answers an LwM2M version it does not serve with 4.12, and reads 1.0, 1.1, 1.2 and none (1.0)', () => {
    const err = codeError(() => parseUplinkRequest(rd(['ep=a', 'lwm2m=1.3'])));
    expect(err).toMatchObject({ code: InvalidRequestCode.UnsupportedVersion, details: { param: 'lwm2m' } });
    expect(errorResponseCode(err)).toBe('4.12');
    for (const v of ['1.0', '1.1', '1.2']) expect(parseUplinkRequest(rd(['ep=a', `lwm2m=${v}`]))).toMatchObject({ lwm2mVersion: v });
    expect(parseUplinkRequest(rd(['ep=a']))).toMatchObject({ lwm2mVersion: '1.0' });
  });

  it('ignores unknown parameters, takes Q with or without =, and queue mode from b=UQ (1.0) or Q (1.1)', () => {
    expect(parseUplinkRequest(rd(['ep=a', 'apn=internet', 'foo']))).toMatchObject({ kind: 'register', endpoint: 'a', queueMode: false });
    expect(parseUplinkRequest(rd(['ep=a', 'Q=']))).toMatchObject({ queueMode: true, binding: 'U' });
    expect(parseUplinkRequest(rd(['ep=a', 'lwm2m=1.1', 'b=UT', 'Q']))).toMatchObject({ queueMode: true, binding: 'UT' });
    expect(parseUplinkRequest(rd(['ep=a', 'b=UQS', 'sms=+33612345678']))).toMatchObject({ queueMode: true, binding: 'UQS', smsNumber: '+33612345678' });
    expect(parseUplinkRequest(up(['lwm2m=1.0', 'lt=600']))).toEqual({ kind: 'update', registrationId: 'r1', lifetime: 600 });
    expect(parseUplinkRequest(up(['b=U']))).toEqual({ kind: 'update', registrationId: 'r1', binding: 'U', queueMode: false });
    expect(parseUplinkRequest(up(['Q']))).toEqual({ kind: 'update', registrationId: 'r1', queueMode: true });
    expect(parseUplinkRequest(bs(['ep=urn:imei:490154203237518', 'pct=11542', 'lwm2m=1.1']))).toEqual({
      kind: 'bootstrap-request',
      endpoint: 'urn:imei:490154203237518',
      preferredContentFormat: 11542,
    });
  });

  it('serves only the operations a caller accepts: a Register at the bootstrap server is 4.04, checked before its parameters', () => {
    const err = codeError(() => parseUplinkRequest(rd([]), { accept: ['bootstrap-request'] }));
    expect(err).toMatchObject({ code: InvalidRequestCode.UnknownRoute });
    expect(errorResponseCode(err)).toBe('4.04');
    expect(errorResponseCode(codeError(() => parseUplinkRequest({ ...bs(['ep=a']), method: 'GET' }, { accept: ['bootstrap-request'] })))).toBe('4.05');
    expect(errorResponseCode(codeError(() => parseUplinkRequest({ method: 'DELETE', path: ['rd', 'a.b'], query: [], payload: empty })))).toBe('4.04');
  });

  it('parses link payloads through the caller’s parser when given one', () => {
    const seen: string[] = [];
    const r = parseUplinkRequest(rd(['ep=a']), {
      links: (payload) => {
        seen.push(new TextDecoder().decode(payload));
        return { rootPath: '/', objectLinks: [{ path: '/3/0', objectId: 3, instanceId: 0 }] };
      },
    });
    expect(seen).toEqual(['</3/0>']);
    expect(r).toMatchObject({ objectLinks: [{ path: '/3/0' }] });
    expect(codeError(() => parseUplinkRequest(rd(['ep=a'], { payload: Uint8Array.of(0x3c, 0xff, 0x3e) })))).toBeInstanceOf(CodecError);
  });
});
