import { describe, expect, it } from 'vitest';
import { ContentFormat } from '@chainm2m/lwm2m';
import { encodeInstanceCore } from './encodeInstanceCore.js';
import { encodeResourcePlain } from './encodeResourceText.js';
import { securityResources, serverResources, type WritableResource } from './BootstrapResources.js';
import { BootstrapServerError } from '../BootstrapServerError.js';

describe('instance writes through the lwm2m core codecs', () => {
  it('SenML-JSON: a base name and typed values, opaque as base64url', () => {
    const json = new TextDecoder().decode(
      encodeInstanceCore(ContentFormat.SenmlJson, '/0/1', 1, [
        { id: 0, value: { type: 'string', value: 'coaps://dm:5684' } },
        { id: 1, value: { type: 'boolean', value: false } },
        { id: 2, value: { type: 'integer', value: 0 } },
        { id: 5, value: { type: 'opaque', value: Uint8Array.of(0xfb, 0xff, 0x01) } },
      ]),
    );
    const records = JSON.parse(json) as { bn?: string; n?: string; vs?: string; vb?: boolean; v?: number; vd?: string }[];
    expect(records.map((r) => r.vs ?? r.vb ?? r.v ?? r.vd)).toEqual(['coaps://dm:5684', false, 0, expect.stringMatching(/^-_8B=?$/)]);
  });

  it('TLV: the resources of the instance, typed', () => {
    const bytes = encodeInstanceCore(ContentFormat.Tlv, '/1/0', 0, [
      { id: 0, value: { type: 'integer', value: 101 } },
      { id: 7, value: { type: 'string', value: 'U' } },
    ]);
    expect(Buffer.from(bytes).toString('hex')).toContain('c10065');
    expect(Buffer.from(bytes).toString('hex')).toContain('c10755');
  });

  it('refuses what a format cannot carry with a typed error that quotes no value', () => {
    try {
      encodeInstanceCore(ContentFormat.Tlv, '/0/1', 1, [{ id: 70000, value: { type: 'string', value: 'secret-value' } }]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(BootstrapServerError);
      expect((err as Error).message).not.toContain('secret-value');
    }
  });
});

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
