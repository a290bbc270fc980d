import { describe, expect, it } from 'vitest';
import { bootstrapConfigFromSecurityInfo } from './BootstrapConfigStore.js';
import type { SecurityInfo } from './SecurityStore.js';

const info: SecurityInfo = {
  endpoint: 'dev-001',
  bootstrap: { serverUri: 'coaps://bs:5784', identity: 'dev-001-bs', key: new Uint8Array([1, 2]) },
  server: { serverUri: 'coaps://dm:5684', identity: 'dev-001', key: new Uint8Array([3, 4]), shortServerId: 101, lifetime: 300, binding: 'U' },
  clearance: 1,
  registrar: '0xabc',
  createdAt: 1,
  updatedAt: 1,
};

describe('bootstrapConfigFromSecurityInfo', () => {
  it('writes the bootstrap account, the server account and the server instance', () => {
    const c = bootstrapConfigFromSecurityInfo(info);
    expect(c.toDelete).toEqual(['/0', '/1']);
    expect(c.security.map((s) => [s.instanceId, s.bootstrapServer, s.pskIdentity, s.shortServerId])).toEqual([
      [0, true, 'dev-001-bs', undefined],
      [1, false, 'dev-001', 101],
    ]);
    expect(c.servers).toEqual([{ instanceId: 0, shortServerId: 101, lifetime: 300, binding: 'U' }]);
  });
});
