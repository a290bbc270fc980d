import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FakeClock, InMemoryAnomalyLog, InMemorySecurityStore, InMemoryUserDirectory, type Registration, type UserRole } from '@chainm2m/lwm2m';
import { createPasswordVerifier, verifyPassword } from '@chainm2m/chain-adapter';
import { EndpointService } from '../../management/EndpointService.js';
import { UserService, type PasswordHasher } from '../../management/UserService.js';
import type { ApiDeps } from '../ApiDeps.js';
import { buildApp } from '../buildApp.js';
import type { JwtConfig } from '../jwt.js';
import { FakeDeviceApi, ManualEventSource } from './fakeDeviceApi.js';

/** REST tests' fixtures: a real app over in-memory stores, a fake device side, tokens per role. */
export const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
export const hasher: PasswordHasher = { hash: (p) => createPasswordVerifier(p, { N: 1024, r: 8, p: 1 }), verify: verifyPassword };
export const jwtConfig: JwtConfig = { keys: { algorithm: 'HS256', secret: SECRET }, issuer: 'chainm2m', audience: 'chainm2m-api', expiresInSec: 3600 };
/** 2026-12-04T10:00:00Z */
export const NOW = Date.UTC(2026, 11, 4, 10) / 1000;

export function registrationOf(endpoint: string, port: number, extra: Partial<Registration> = {}): Registration {
  return {
    id: `r-${endpoint}`,
    endpoint,
    lifetime: 300,
    lwm2mVersion: '1.1',
    binding: 'U',
    queueMode: false,
    objectLinks: [{ path: '/3/0', objectId: 3, instanceId: 0 }, { path: '/3303/0', objectId: 3303, instanceId: 0 }],
    rootPath: '/',
    address: { address: '127.0.0.1', port },
    identity: endpoint,
    registeredAt: NOW * 1000,
    lastUpdateAt: NOW * 1000,
    ...extra,
  };
}

export interface ApiHarness {
  app: FastifyInstance;
  devices: FakeDeviceApi;
  events: ManualEventSource;
  security: InMemorySecurityStore;
  endpoints: EndpointService;
  users: UserService;
  anomalies: InMemoryAnomalyLog;
  clock: FakeClock;
  directory: InMemoryUserDirectory;
  tokens: Record<UserRole, string>;
  login(username: string, password: string): Promise<string>;
}

export const bearer = (t: string): { authorization: string } => ({ authorization: `Bearer ${t}` });

/** `dev-1` registered (clearance 0 in the ClientStore), users admin1/user1/application1 of clearance 1, logged in. */
export async function apiHarness(opts: { jwt?: JwtConfig; deps?: Partial<ApiDeps> } = {}): Promise<ApiHarness> {
  const clock = new FakeClock(0);
  const directory = new InMemoryUserDirectory(() => NOW);
  const users = new UserService(directory, hasher);
  const security = new InMemorySecurityStore();
  let n = 0;
  const endpoints = new EndpointService(
    security,
    { bootstrapServerUri: 'coaps://127.0.0.1:5784', serverUri: 'coaps://127.0.0.1:5684', shortServerId: 1, lifetime: 300, binding: 'U', clearance: 0 },
    { next: () => 0.5, bytes: (len) => new Uint8Array(len).fill(++n) },
    'test-registrar',
    () => NOW,
  );
  await endpoints.create({ endpoint: 'dev-1' });
  const devices = new FakeDeviceApi();
  devices.registrations.set('dev-1', registrationOf('dev-1', 40000));
  devices.values.set('dev-1/3303/0/5700', 21.5);
  const events = new ManualEventSource();
  const anomalies = new InMemoryAnomalyLog('0xreporter', () => NOW);
  const app = await buildApp({ users, endpoints, devices, anomalies, events, jwt: opts.jwt ?? jwtConfig, clock, nowSec: () => NOW, ...opts.deps });
  const login = async (username: string, password: string): Promise<string> => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().token as string;
  };
  const tokens = {} as Record<UserRole, string>;
  for (const role of ['admin', 'user', 'application'] as const) {
    await users.add({ username: `${role}1`, role, password: `${role}-password`, clearance: 1 });
    tokens[role] = await login(`${role}1`, `${role}-password`);
  }
  return { app, devices, events, security, endpoints, users, anomalies, clock, directory, tokens, login };
}
