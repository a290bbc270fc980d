import { ContentFormat, type CoapRequest } from '@chainm2m/lwm2m';
import { describe, expect, it } from 'vitest';
import { SimObjectTree } from '../model/SimObjectTree.js';
import { SIM_OBJECT_IDS } from '../model/simObjects.js';
import { findServerAccount, handleBootstrapRequest } from './bootstrapHandler.js';
import { FormatPolicy } from './FormatPolicy.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function req(method: CoapRequest['method'], path: string, extra: Partial<CoapRequest> = {}): CoapRequest {
  return {
    method,
    path: path.split('/').filter((s) => s !== ''),
    query: [],
    payload: new Uint8Array(),
    token: new Uint8Array([1]),
    confirmable: true,
    peer: { address: '127.0.0.1', port: 5784 },
    security: {},
    ...extra,
  };
}

function freshTree(): SimObjectTree {
  const t = new SimObjectTree(SIM_OBJECT_IDS);
  t.set(0, 0, 0, 'coaps://bs:5784');
  t.set(0, 0, 1, true);
  t.set(0, 0, 2, 0);
  t.set(0, 5, 0, 'coaps://old:5684');
  t.set(0, 5, 1, false);
  t.set(1, 3, 0, 7);
  t.set(3303, 0, 5701, 'Cel');
  return t;
}

describe('bootstrap request handling', () => {
  it('Bootstrap-Delete / removes every instance except the bootstrap account and the Device instance', () => {
    const t = freshTree();
    t.set(3, 0, 0, 'maker');
    const { response } = handleBootstrapRequest(t, new FormatPolicy(), req('DELETE', '/'));
    expect(response.code).toBe('2.02');
    expect(t.instanceIds(0)).toEqual([0]);
    expect(t.instanceIds(1)).toEqual([]);
    expect(t.instanceIds(3303)).toEqual([]);
    expect(t.get(3, 0, 0)).toBe('maker');
  });

  it('Bootstrap-Delete of one object or instance; the Device object is never deleted', () => {
    const t = freshTree();
    t.set(3, 0, 0, 'maker');
    const policy = new FormatPolicy();
    expect(handleBootstrapRequest(t, policy, req('DELETE', '/3303')).response.code).toBe('2.02');
    expect(t.instanceIds(3303)).toEqual([]);
    expect(handleBootstrapRequest(t, policy, req('DELETE', '/3/0')).response.code).toBe('2.02');
    expect(t.get(3, 0, 0)).toBe('maker');
    expect(handleBootstrapRequest(t, policy, req('DELETE', '/0/0')).response.code).toBe('2.02');
    expect(t.instanceIds(0)).toEqual([0, 5]);
    expect(handleBootstrapRequest(t, policy, req('DELETE', '/0/5')).response.code).toBe('2.02');
    expect(t.instanceIds(0)).toEqual([0]);
    expect(handleBootstrapRequest(t, policy, req('DELETE', '/4242')).response.code).toBe('4.04');
  });

  it('writes a whole /0 object in one TLV payload and finishes', () => {
    const t = freshTree();
    const policy = new FormatPolicy();
    handleBootstrapRequest(t, policy, req('DELETE', '/0'));
    const uri = Buffer.from('coaps://127.0.0.1:5684');
    const inst1 = Buffer.concat([
      Buffer.from([0xc8, 0x00, uri.length]),
      uri,
      Buffer.from([0xc1, 0x01, 0x00, 0xc1, 0x02, 0x00, 0xc3, 0x03]),
      Buffer.from('ep1'),
      Buffer.from([0xc4, 0x05, 1, 2, 3, 4, 0xc1, 0x0a, 0x65]),
    ]);
    const payload = Buffer.concat([Buffer.from([0x08, 0x01, inst1.length]), inst1]);
    let r = handleBootstrapRequest(t, policy, req('PUT', '/0', { contentFormat: ContentFormat.Tlv, payload: new Uint8Array(payload) }));
    expect(r.response.code).toBe('2.04');
    expect(t.instanceIds(0)).toEqual([0, 1]);
    r = handleBootstrapRequest(t, policy, req('POST', '/bs'));
    expect(r).toMatchObject({ response: { code: '4.06' }, finished: false }); // no /1 yet
    r = handleBootstrapRequest(
      t,
      policy,
      req('PUT', '/1/0', { contentFormat: ContentFormat.SenmlJson, payload: enc('[{"bn":"/1/0/","n":"0","v":101},{"n":"1","v":300},{"n":"7","vs":"U"}]') }),
    );
    expect(r.response.code).toBe('2.04');
    r = handleBootstrapRequest(t, policy, req('POST', '/bs'));
    expect(r).toMatchObject({ response: { code: '2.04' }, finished: true });
    expect(findServerAccount(t)).toMatchObject({ uri: 'coaps://127.0.0.1:5684', identity: 'ep1', key: new Uint8Array([1, 2, 3, 4]), shortServerId: 101, lifetime: 300 });
  });

  it('rejects chosen formats (4.15 or 4.00) and accepts the per-resource text/opaque fallback', () => {
    const t = freshTree();
    const policy = new FormatPolicy({ rejectFormats: [ContentFormat.Tlv, ContentFormat.SenmlCbor, ContentFormat.SenmlJson], rejectCode: '4.00' });
    expect(policy.preferred).toBeUndefined();
    let r = handleBootstrapRequest(t, policy, req('PUT', '/0/1', { contentFormat: ContentFormat.SenmlJson, payload: enc('[]') }));
    expect(r.response.code).toBe('4.00');
    const writes: Array<[string, number, Uint8Array]> = [
      ['/0/1/0', ContentFormat.Text, enc('coap://127.0.0.1:5683')],
      ['/0/1/1', ContentFormat.Text, enc('0')],
      ['/0/1/2', ContentFormat.Text, enc('3')],
      ['/0/1/3', ContentFormat.Opaque, new Uint8Array()],
      ['/0/1/10', ContentFormat.Text, enc('101')],
      ['/1/0/0', ContentFormat.Text, enc('101')],
      ['/1/0/1', ContentFormat.Text, enc('60')],
      ['/1/0/7', ContentFormat.Text, enc('U')],
    ];
    for (const [path, cf, payload] of writes) {
      r = handleBootstrapRequest(t, policy, req('PUT', path, { contentFormat: cf, payload }));
      expect(r.response.code, path).toBe('2.04');
    }
    expect(findServerAccount(t)).toMatchObject({ uri: 'coap://127.0.0.1:5683', securityMode: 3, shortServerId: 101, lifetime: 60 });
    const strict = new FormatPolicy({ rejectFormats: [ContentFormat.Tlv] });
    r = handleBootstrapRequest(t, strict, req('PUT', '/0/1', { contentFormat: ContentFormat.Tlv, payload: new Uint8Array([0xc1, 0x0a, 0x65]) }));
    expect(r.response.code).toBe('4.15');
  });

  it('Bootstrap-Discover lists instances with ssid and uri', () => {
    const t = freshTree();
    t.set(0, 5, 10, 101);
    t.set(1, 3, 0, 101);
    const { response } = handleBootstrapRequest(t, new FormatPolicy(), req('GET', '/', { accept: ContentFormat.Link }));
    expect(response.code).toBe('2.05');
    const text = new TextDecoder().decode(response.payload);
    expect(text.startsWith('</>;lwm2m=1.1,</0>;ver=1.1,</0/0>;uri="coaps://bs:5784",</0/5>;ssid=101;uri="coaps://old:5684",</1>;ver=1.1,</1/3>;ssid=101')).toBe(true);
    expect(text).toContain('</3303/0>');
  });

  it('answers malformed paths and payloads without throwing', () => {
    const t = freshTree();
    const policy = new FormatPolicy();
    expect(handleBootstrapRequest(t, policy, req('PUT', '/x/1')).response.code).toBe('4.04');
    expect(handleBootstrapRequest(t, policy, req('PUT', '/0/1', { contentFormat: ContentFormat.SenmlJson, payload: enc('[{') })).response.code).toBe('4.00');
    expect(handleBootstrapRequest(t, policy, req('PUT', '/0/1')).response.code).toBe('4.00');
    expect(handleBootstrapRequest(t, policy, req('GET', '/3/0')).response.code).toBe('4.05');
    expect(handleBootstrapRequest(t, policy, req('GET', '/0/0')).response.code).toBe('4.05');
  });

  it('Bootstrap-Read of the Server object', () => {
    const t = freshTree();
    t.set(1, 3, 1, 300);
    const { response } = handleBootstrapRequest(t, new FormatPolicy(), req('GET', '/1/3', { accept: ContentFormat.SenmlJson }));
    expect(response.code).toBe('2.05');
    expect(JSON.parse(new TextDecoder().decode(response.payload))).toEqual([
      { bn: '/1/3/', n: '0', v: 7 },
      { n: '1', v: 300 },
    ]);
  });
});

describe('bootstrap quirks of real clients', () => {
  const senml = (records: object[]): Uint8Array => enc(JSON.stringify(records));
  const serverAccount = (iid: number, bootstrap: boolean) =>
    senml([{ bn: `/0/${iid}/`, n: '0', vs: 'coaps://dm:5684' }, { n: '1', vb: bootstrap }, { n: '2', v: 0 }, { n: '10', v: 101 }]);

  it('refuses a second Security instance for the bootstrap account with 4.00 and says why', () => {
    const t = freshTree(); // bootstrap account at /0/0
    const r = handleBootstrapRequest(t, new FormatPolicy(), req('PUT', '/0/1', { contentFormat: ContentFormat.SenmlJson, payload: serverAccount(1, true) })).response;
    expect(r.code).toBe('4.00');
    expect(new TextDecoder().decode(r.payload)).toBe('multiple Security instances for the bootstrap account');
    expect(t.hasInstance(0, 1)).toBe(false);
    expect(handleBootstrapRequest(t, new FormatPolicy(), req('PUT', '/0/1', { contentFormat: ContentFormat.SenmlJson, payload: serverAccount(1, false) })).response.code).toBe('2.04');
  });

  it('strictBase64: a base64url vd gets 4.06, the standard alphabet is taken', () => {
    const quirks = { strictBase64: true };
    const key = (vd: string) => senml([{ bn: '/0/1/', n: '5', vd }]);
    expect(handleBootstrapRequest(freshTree(), new FormatPolicy(), req('PUT', '/0/1', { contentFormat: ContentFormat.SenmlJson, payload: key('-_8B') }), quirks).response.code).toBe('4.06');
    expect(handleBootstrapRequest(freshTree(), new FormatPolicy(), req('PUT', '/0/1', { contentFormat: ContentFormat.SenmlJson, payload: key('+/8B') }), quirks).response.code).toBe('2.04');
    // without the quirk the device takes base64url (RFC 8428)
    expect(handleBootstrapRequest(freshTree(), new FormatPolicy(), req('PUT', '/0/1', { contentFormat: ContentFormat.SenmlJson, payload: key('-_8B') })).response.code).toBe('2.04');
  });

  it('refuseWrites: every write under the path is refused with the code and words, whatever the format', () => {
    const quirks = { refuseWrites: { path: '/1', code: '4.00', diagnostic: 'lifetime below the minimum of 3600 s' } };
    const t = freshTree();
    for (const [path, cf, payload] of [
      ['/1/0', ContentFormat.SenmlJson, senml([{ bn: '/1/0/', n: '1', v: 60 }])],
      ['/1/0/1', ContentFormat.Text, enc('60')],
    ] as const) {
      const r = handleBootstrapRequest(t, new FormatPolicy(), req('PUT', path, { contentFormat: cf, payload }), quirks).response;
      expect([r.code, new TextDecoder().decode(r.payload)]).toEqual(['4.00', 'lifetime below the minimum of 3600 s']);
    }
    expect(handleBootstrapRequest(t, new FormatPolicy(), req('PUT', '/0/1', { contentFormat: ContentFormat.SenmlJson, payload: serverAccount(1, false) }), quirks).response.code).toBe('2.04');
    expect(handleBootstrapRequest(t, new FormatPolicy(), req('PUT', '/10/0', { contentFormat: ContentFormat.SenmlJson, payload: senml([]) }), quirks).response.code).not.toBe('4.00');
  });

  it('a 1.0 device starts its Discover answer with a bare lwm2m="1.0" and lists no uri', () => {
    const r = handleBootstrapRequest(freshTree(), new FormatPolicy(), req('GET', '/0', { accept: ContentFormat.Link }), { lwm2mVersion: '1.0' }).response;
    expect(new TextDecoder().decode(r.payload)).toBe('lwm2m="1.0",</0>;ver=1.1,</0/0>,</0/5>');
    const r11 = handleBootstrapRequest(freshTree(), new FormatPolicy(), req('GET', '/0', { accept: ContentFormat.Link })).response;
    expect(new TextDecoder().decode(r11.payload)).toBe('</>;lwm2m=1.1,</0>;ver=1.1,</0/0>;uri="coaps://bs:5784",</0/5>;uri="coaps://old:5684"');
  });
});
