import type { SecurityInfo } from '../store/SecurityStore.js';
import type { Registration } from '../store/RegistrationStore.js';

let seq = 0;

/** A unique prefix per call, so suites can share one backend (a chain) between tests. */
export function uniqueName(base: string): string {
  seq += 1;
  return `${base}-${Date.now().toString(36)}-${seq}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A complete `SecurityInfo` for `endpoint` with identities `<endpoint>-bs` / `<endpoint>-dm`. */
export function makeSecurityInfo(endpoint: string, overrides: Partial<SecurityInfo> = {}): SecurityInfo {
  const k = (n: number) => Uint8Array.from({ length: 16 }, (_, i) => (n * 31 + i * 7 + endpoint.length) & 0xff);
  return {
    endpoint,
    bootstrap: { serverUri: 'coaps://127.0.0.1:5784', identity: `${endpoint}-bs`, key: k(1) },
    server: {
      serverUri: 'coaps://127.0.0.1:5684',
      identity: `${endpoint}-dm`,
      key: k(2),
      shortServerId: 101,
      lifetime: 300,
      binding: 'U',
    },
    clearance: 1,
    registrar: 'test',
    createdAt: 1_700_000_000,
    updatedAt: 1_700_000_000,
    ...overrides,
  };
}

/** A registration of `endpoint` with id `id`, registered at `at` (Unix ms) for `lifetime` seconds. */
export function makeRegistration(id: string, endpoint: string, at: number, lifetime = 300, overrides: Partial<Registration> = {}): Registration {
  return {
    id,
    endpoint,
    lifetime,
    lwm2mVersion: '1.1',
    binding: 'U',
    queueMode: false,
    objectLinks: [
      { path: '/1/0', objectId: 1, instanceId: 0 },
      { path: '/3/0', objectId: 3, instanceId: 0, version: '1.1' },
    ],
    rootPath: '/',
    address: { address: '127.0.0.1', port: 40000 },
    registeredAt: at,
    lastUpdateAt: at,
    ...overrides,
  };
}
