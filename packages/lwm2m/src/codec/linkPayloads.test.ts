import { describe, expect, it } from 'vitest';
import { CodecError } from './CodecError.js';
import { decodeLinks, encodeLinks, formatRegistrationLinks, parseRegistrationLinks } from './linkPayloads.js';
import { parseLinkFormat, serializeLinkFormat } from './wire/linkFormat.js';

const REGISTER = '</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0>;ver=1.1,</3303/0>';

describe('CoRE link format', () => {
  it('parses a Register payload with quoted and token attributes', () => {
    const links = parseLinkFormat(REGISTER);
    expect(links.map((l) => [l.uri, { ...l.attributes }])).toEqual([
      ['/', { rt: 'oma.lwm2m', ct: '11543' }],
      ['/1/0', {}],
      ['/3/0', { ver: '1.1' }],
      ['/3303/0', {}],
    ]);
    expect(serializeLinkFormat(links)).toBe(REGISTER);
  });

  it('handles commas and escapes inside quoted values, valueless attributes and whitespace', () => {
    const text = '</a>;title="x, \\"y\\"";obs , </b/c> ;ct="60 110";sz=10';
    const links = parseLinkFormat(text);
    expect(links.map((l) => [l.uri, { ...l.attributes }])).toEqual([
      ['/a', { title: 'x, "y"', obs: null }],
      ['/b/c', { ct: '60 110', sz: '10' }],
    ]);
    expect(serializeLinkFormat(links)).toBe('</a>;title="x, \\"y\\"";obs,</b/c>;ct="60 110";sz=10');
    expect(parseLinkFormat('')).toEqual([]);
  });

  it('keeps __proto__ as a plain attribute', () => {
    const [l] = parseLinkFormat('</a>;__proto__=1;constructor');
    expect(l?.attributes['__proto__']).toBe('1');
    expect(l?.attributes['constructor']).toBeNull();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it.each(['/1/0', '<', '</1/0', '</1/0>;', '</1/0>;=x', '</1/0>;a="unterminated', '</1/0>,', '</1/0> </2>', '</1/0>;a=b c', '</1 0>', '</1/0>;a=""x'])(
    'rejects %s',
    (t) => {
      expect(() => parseLinkFormat(t)).toThrow(CodecError);
    },
  );

  it('decodes bytes and rejects invalid UTF-8 with a CodecError', () => {
    expect(decodeLinks(encodeLinks(parseLinkFormat(REGISTER))).length).toBe(4);
    expect(() => decodeLinks(Uint8Array.of(0x3c, 0xff, 0x3e))).toThrow(CodecError);
  });
});

describe('registration payloads', () => {
  it('extracts root path, content formats and object links', () => {
    const r = parseRegistrationLinks(REGISTER);
    expect(r.rootPath).toBe('/');
    expect(r.supportedContentFormats).toEqual([11543]);
    expect(r.objectLinks).toEqual([
      { path: '/1/0', objectId: 1, instanceId: 0 },
      { path: '/3/0', objectId: 3, instanceId: 0, version: '1.1', attributes: { ver: '1.1' } },
      { path: '/3303/0', objectId: 3303, instanceId: 0 },
    ]);
  });

  it('handles an alternate root path and several content formats', () => {
    const r = parseRegistrationLinks('</lwm2m>;rt="oma.lwm2m";ct="60 110 112 11542 11543",</lwm2m/1/0>,</lwm2m/3303>;ver=1.1');
    expect(r.rootPath).toBe('/lwm2m/');
    expect(r.supportedContentFormats).toEqual([60, 110, 112, 11542, 11543]);
    expect(r.objectLinks.map((l) => [l.path, l.objectId, l.instanceId])).toEqual([
      ['/1/0', 1, 0],
      ['/3303', 3303, undefined],
    ]);
    expect(parseRegistrationLinks(formatRegistrationLinks(r))).toEqual(r);
  });

  it('formats what a client sends, and parses it back', () => {
    const reg = { rootPath: '/', supportedContentFormats: [110, 112], objectLinks: [{ path: '/1/0', objectId: 1, instanceId: 0 }, { path: '/3/0', objectId: 3, instanceId: 0, version: '1.1' }] };
    const text = formatRegistrationLinks(reg);
    expect(text).toBe('</>;rt="oma.lwm2m";ct="110 112",</1/0>,</3/0>;ver=1.1');
    expect(parseRegistrationLinks(new TextEncoder().encode(text)).objectLinks.map((l) => l.path)).toEqual(['/1/0', '/3/0']);
  });

  it.each(['</3/0/1>', '</abc>', '</3/99999>', '</x>;rt="oma.lwm2m",</3/0>', '</>;rt="oma.lwm2m";ct=abc'])('rejects %s', (t) => {
    expect(() => parseRegistrationLinks(t)).toThrow(CodecError);
  });
});
