import { describe, expect, it } from 'vitest';
import { CodecError } from '@chainm2m/lwm2m';
import { bootstrapAccountIds, parseBootstrapDiscover } from './clientLayout.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parseBootstrapDiscover', () => {
  it('reads the version, Security and Server instances with ssid/uri, object versions', () => {
    const layout = parseBootstrapDiscover(
      utf8('</>;lwm2m=1.1,</0>,</0/1>;uri="coaps://bs.example:5784",</0/2>;ssid=101;uri="coaps://dm:5684",</1>;ver=1.1,</1/0>;ssid=101,</3/0>,</3303>;ver=1.1'),
    );
    expect(layout.version).toBe('1.1');
    expect(layout.security).toEqual([{ id: 1, uri: 'coaps://bs.example:5784' }, { id: 2, ssid: 101, uri: 'coaps://dm:5684' }]);
    expect(layout.servers).toEqual([{ id: 0, ssid: 101 }]);
    expect([...layout.objects]).toEqual([[0, undefined], [1, '1.1'], [3, undefined], [3303, '1.1']]);
    expect(bootstrapAccountIds(layout)).toEqual([1]);
  });

  it("LwM2M 1.0's form: a bare lwm2m=\"1.0\" before the links (Anjay 3.14.0 with -V 1.0)", () => {
    const layout = parseBootstrapDiscover(Buffer.from('6c776d326d3d22312e30222c3c2f303e2c3c2f302f313e', 'hex'));
    expect(layout.version).toBe('1.0');
    expect(layout.security).toEqual([{ id: 1 }]);
    expect(bootstrapAccountIds(layout)).toEqual([1]);
    expect(parseBootstrapDiscover(utf8('lwm2m=1.0')).security).toEqual([]);
  });

  it('a 1.0 answer (quoted version, no uri)', () => {
    const layout = parseBootstrapDiscover(utf8('</>;lwm2m="1.0",</0/0>,</0/1>;ssid=101,</1/0>;ssid=101'));
    expect(layout.version).toBe('1.0');
    expect(bootstrapAccountIds(layout)).toEqual([0]);
  });

  it('ignores links that are no LwM2M instance paths; throws CodecError on broken link format', () => {
    expect(parseBootstrapDiscover(utf8('</x/y>,</0/1/2>,</0/99999>,</0/4>;ssid=abc')).security).toEqual([{ id: 4 }]);
    expect(() => parseBootstrapDiscover(utf8('nonsense'))).toThrow(CodecError);
  });

  it('a Security instance with the uri of a known bootstrap server counts as the bootstrap account even with an ssid', () => {
    const layout = parseBootstrapDiscover(utf8('</>;lwm2m=1.1,</0/0>;ssid=101;uri="coaps://dm:5684",</0/3>;ssid=0;uri="coaps://bs:5784"'));
    expect(bootstrapAccountIds(layout)).toEqual([]);
    expect(bootstrapAccountIds(layout, ['coaps://bs:5784'])).toEqual([3]);
  });
});
