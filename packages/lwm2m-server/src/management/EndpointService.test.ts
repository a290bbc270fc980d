import { describe, expect, it } from 'vitest';
import { InMemorySecurityStore } from '@chainm2m/lwm2m';
import { EndpointService } from './EndpointService.js';
import { parsePsk } from './validation.js';

const defaults = { bootstrapServerUri: 'coaps://bs:5784', serverUri: 'coaps://dm:5684', shortServerId: 1, lifetime: 300, binding: 'U', clearance: 0 };

function service(store = new InMemorySecurityStore()): { svc: EndpointService; store: InMemorySecurityStore } {
  let n = 0;
  return { svc: new EndpointService(store, defaults, { next: () => 0.5, bytes: (len) => new Uint8Array(len).fill(++n) }, '0xregistrar', () => 42), store };
}

describe('EndpointService', () => {
  it('generates distinct keys and default identities, and stores them', async () => {
    const { svc, store } = service();
    const s = await svc.create({ endpoint: 'urn:imei:123' });
    expect(s).toMatchObject({ endpoint: 'urn:imei:123', identity: 'urn:imei:123', bsIdentity: 'bs/urn:imei:123' });
    expect(s.pskHex).not.toBe(s.bsPskHex);
    const info = await store.getByEndpoint('urn:imei:123');
    expect(Buffer.from(info!.server.key).toString('hex')).toBe(s.pskHex);
    expect(info).toMatchObject({ registrar: '0xregistrar', createdAt: 42, server: { serverUri: 'coaps://dm:5684', lifetime: 300 } });
  });

  it('imports many, skipping existing endpoints and naming bad or duplicate lines; re-running adds nothing twice', async () => {
    const { svc, store } = service();
    await svc.create({ endpoint: 'old' });
    const inputs = [{ endpoint: 'a' }, { endpoint: 'bad name' }, { endpoint: 'old' }, { endpoint: 'b' }, { endpoint: 'a' }, { endpoint: 'c', identity: 'b' }];
    const progress: number[] = [];
    const r = await svc.createMany(inputs, { batchSize: 2, onProgress: (done) => progress.push(done) });
    expect(r.created.map((c) => c.endpoint)).toEqual(['a', 'b']);
    expect(r.skipped).toEqual(['old']);
    expect(r.failed.map((f) => [f.index, f.endpoint])).toEqual([[1, 'bad name'], [4, 'a'], [5, 'c']]);
    expect(r.failed[1]?.reason).toContain('line 1');
    expect(progress.at(-1)).toBe(inputs.length);
    expect(await store.count()).toBe(3);
    const again = await svc.createMany([{ endpoint: 'a' }, { endpoint: 'b' }]);
    expect(again).toMatchObject({ created: [], skipped: ['a', 'b'], failed: [] });
  });

  it('names the culprit when a batch is refused by the store', async () => {
    const { svc, store } = service();
    await svc.create({ endpoint: 'x', identity: 'taken' });
    const r = await svc.createMany([{ endpoint: 'y' }, { endpoint: 'z', identity: 'taken' }]);
    expect(r.created.map((c) => c.endpoint)).toEqual(['y']);
    expect(r.failed).toEqual([{ index: 1, endpoint: 'z', reason: expect.stringContaining('identity') }]);
    expect(await store.count()).toBe(2);
  });

  it('rotates both keys and keeps the identities', async () => {
    const { svc } = service();
    const first = await svc.create({ endpoint: 'r' });
    const next = await svc.rotate('r');
    expect(next.identity).toBe(first.identity);
    expect(next.pskHex).not.toBe(first.pskHex);
    expect(next.bsPskHex).not.toBe(first.bsPskHex);
    await expect(svc.rotate('missing')).rejects.toMatchObject({ code: 'SRV_UNKNOWN_ENDPOINT' });
  });

  it('parses keys as hex or text and refuses wrong lengths without echoing them', () => {
    expect(Buffer.from(parsePsk({ hex: '0x00112233445566778899aabbccddeeff' }, 'psk')!).toString('hex')).toBe('00112233445566778899aabbccddeeff');
    expect(Buffer.from(parsePsk({ text: 'secretKey' }, 'psk')!).toString()).toBe('secretKey');
    expect(parsePsk({}, 'psk')).toBeUndefined();
    expect(() => parsePsk({ hex: 'abc' }, 'psk')).toThrow(/not valid hex/);
    expect(() => parsePsk({ text: 'short' }, 'psk')).toThrow(/8 to 64 bytes/);
    try {
      parsePsk({ text: 'sh0rt' }, 'psk');
    } catch (err) {
      expect((err as Error).message).not.toContain('sh0rt');
    }
  });
});
