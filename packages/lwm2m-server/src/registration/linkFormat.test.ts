import { describe, expect, it } from 'vitest';
import { readLinkFormat } from './linkFormat.js';

describe('readLinkFormat', () => {
  it('reads links with quoted and bare attributes', () => {
    expect(readLinkFormat('</>;rt="oma.lwm2m";ct="60 110 112 11542",</1/0>, </3/0>;ver=1.1,</3303>;ver="1.1";obs')).toEqual([
      { uri: '/', attributes: { rt: 'oma.lwm2m', ct: '60 110 112 11542' } },
      { uri: '/1/0', attributes: {} },
      { uri: '/3/0', attributes: { ver: '1.1' } },
      { uri: '/3303', attributes: { ver: '1.1', obs: '' } },
    ]);
  });
  it('keeps commas inside quoted values', () => {
    expect(readLinkFormat('</a>;title="x,y;z"')).toEqual([{ uri: '/a', attributes: { title: 'x,y;z' } }]);
  });
  it('returns an empty list for an empty payload', () => {
    expect(readLinkFormat('')).toEqual([]);
  });
  it.each(['/3/0', '</3/0', '</3/0>;ver="1.1', '</3/0>x', '</3/0>;=1'])('rejects malformed %j', (t) => {
    expect(readLinkFormat(t)).toBeUndefined();
  });
});
