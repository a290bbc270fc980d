import { describe, expect, it } from 'vitest';
import { encodeResourcePlain } from './encodeResourceText.js';
import { securityResources, serverResources, type WritableResource } from './BootstrapResources.js';

describe('plain per-resource encoding', () => {
  it('text for strings, integers and booleans; opaque for bytes', () => {
    const t = (r: WritableResource): [number, string] => {
      const e = encodeResourcePlain(r);
      return [e.contentFormat, Buffer.from(e.payload).toString('latin1')];
    };
    expect(t({ id: 0, value: { type: 'string', value: 'coaps://x' } })).toEqual([0, 'coaps://x']);
    expect(t({ id: 1, value: { type: 'integer', value: -300 } })).toEqual([0, '-300']);
    expect(t({ id: 1, value: { type: 'boolean', value: true } })).toEqual([0, '1']);
    expect(t({ id: 1, value: { type: 'boolean', value: false } })).toEqual([0, '0']);
    expect(t({ id: 5, value: { type: 'opaque', value: Uint8Array.of(0, 255) } })).toEqual([42, '\x00\xff']);
  });
});

describe('Security and Server resources', () => {
  it('Security: URI, bootstrap flag, PSK mode, identity as opaque UTF-8, key marked secret, short id', () => {
    const res = securityResources({
      instanceId: 1, serverUri: 'coaps://dm', bootstrapServer: false, securityMode: 0, pskIdentity: 'dev-é', pskKey: Uint8Array.of(9), shortServerId: 101,
    });
    expect(res.map((r) => r.id)).toEqual([0, 1, 2, 3, 5, 10]);
    expect(res.find((r) => r.id === 3)?.value).toEqual({ type: 'opaque', value: new TextEncoder().encode('dev-é') });
    expect(res.filter((r) => r.secret).map((r) => r.id)).toEqual([5]);
  });

  it('Security of the bootstrap account has no short server id; NoSec has no key material', () => {
    const bs = securityResources({ instanceId: 0, serverUri: 'coaps://bs', bootstrapServer: true, securityMode: 0, pskIdentity: 'i', pskKey: Uint8Array.of(1) });
    expect(bs.map((r) => r.id)).toEqual([0, 1, 2, 3, 5]);
    const nosec = securityResources({ instanceId: 0, serverUri: 'coap://bs', bootstrapServer: true, securityMode: 3, pskIdentity: '', pskKey: new Uint8Array(0) });
    expect(nosec.map((r) => r.id)).toEqual([0, 1, 2]);
  });

  it('Server: short id, lifetime, notification storing (default true), binding', () => {
    expect(serverResources({ instanceId: 0, shortServerId: 101, lifetime: 300, binding: 'UQ' })).toEqual([
      { id: 0, value: { type: 'integer', value: 101 } },
      { id: 1, value: { type: 'integer', value: 300 } },
      { id: 6, value: { type: 'boolean', value: true } },
      { id: 7, value: { type: 'string', value: 'UQ' } },
    ]);
    expect(serverResources({ instanceId: 0, shortServerId: 1, lifetime: 1, binding: 'U', notificationStoring: false })[2]?.value).toEqual({ type: 'boolean', value: false });
  });
});
