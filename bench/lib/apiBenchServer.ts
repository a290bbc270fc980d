/**
 * Child process of `bench/api.bench.ts`: serves HTTP on 127.0.0.1 port 0 and sends
 * `{ port }` over IPC once it listens; `'cpu'` over IPC answers `{ cpuUs }` (its CPU time so far);
 * `'stop'` closes it and exits (so a `--cpu-prof` profile is written).
 *
 *   api <clients> <username>: the real REST API (`buildApp`) with in-memory stores, a user of role
 *        `user` whose password is in the environment (`API_BENCH_PASSWORD`), and `clients` fake
 *        registrations `dev-0` ... `dev-<clients-1>`.
 *   bare: a fastify app (the same fastify the API uses) with one trivial JSON route `GET /bare/:id`.
 */
import { createRequire } from 'node:module';
import { InMemoryAnomalyLog, InMemorySecurityStore, InMemoryUserDirectory, SystemRandom, type Registration } from '../../packages/lwm2m/src/index.js';
import { createPasswordVerifier, verifyPassword } from '../../packages/chain-adapter/src/index.js';
import { buildApp, EndpointService, UserService } from '../../packages/lwm2m-server/src/index.js';
import { FakeDeviceApi, ManualEventSource } from '../../packages/lwm2m-server/src/api/testing/fakeDeviceApi.js';

const BENCH_JWT_SECRET = 'api-bench-secret-that-is-at-least-32-bytes';

/** The listening app, whichever kind. */
interface Listening {
  listen(opts: { port: number; host: string }): Promise<string>;
  close(): Promise<unknown>;
  server: { address(): unknown };
}

/** The slice of fastify's factory the bare app needs (fastify resolves from the API's package). */
interface BareApp extends Listening {
  get(path: string, handler: () => Promise<unknown>): unknown;
}
type FastifyFactory = (opts: { logger: boolean }) => BareApp;

export function benchRegistration(i: number, now: number): Registration {
  const endpoint = `dev-${i}`;
  return {
    id: `r${i.toString(36)}`,
    endpoint,
    lifetime: 300,
    lwm2mVersion: '1.1',
    binding: 'U',
    queueMode: false,
    objectLinks: ['/1/0', '/3/0', '/3303/0', '/3311/0'].map((path) => {
      const [, o, inst] = path.split('/');
      return { path, objectId: Number(o), instanceId: Number(inst) };
    }),
    rootPath: '/',
    address: { address: '127.0.0.1', port: 40000 + (i % 20000) },
    identity: `${endpoint}-server`,
    registeredAt: now,
    lastUpdateAt: now,
  };
}

async function apiApp(clients: number, username: string, password: string): Promise<Listening> {
  const users = new UserService(new InMemoryUserDirectory(), { hash: (p) => createPasswordVerifier(p), verify: verifyPassword });
  await users.add({ username, role: 'user', password, clearance: 1 });
  const endpoints = new EndpointService(
    new InMemorySecurityStore(),
    { bootstrapServerUri: 'coaps://127.0.0.1:5784', serverUri: 'coaps://127.0.0.1:5684', shortServerId: 1, lifetime: 300, binding: 'U', clearance: 0 },
    SystemRandom,
    'api-bench',
  );
  const devices = new FakeDeviceApi();
  const now = Date.now();
  for (let i = 0; i < clients; i++) devices.registrations.set(`dev-${i}`, benchRegistration(i, now));
  return buildApp({
    users,
    endpoints,
    devices,
    anomalies: new InMemoryAnomalyLog('api-bench'),
    events: new ManualEventSource(),
    jwt: { keys: { algorithm: 'HS256', secret: BENCH_JWT_SECRET }, issuer: 'chainm2m', audience: 'chainm2m-api', expiresInSec: 3600 },
  });
}

function bareApp(): Listening {
  const fastify = createRequire(new URL('../../packages/lwm2m-server/package.json', import.meta.url))('fastify') as FastifyFactory;
  const app = fastify({ logger: false });
  app.get('/bare/:id', async () => ({ hello: 'world' }));
  return app;
}

async function main(): Promise<void> {
  const [mode, clients, username] = process.argv.slice(2);
  const password = process.env.API_BENCH_PASSWORD;
  if (mode === 'api' && (password === undefined || username === undefined)) throw new Error('api mode needs a username and API_BENCH_PASSWORD');
  const app = mode === 'api' ? await apiApp(Number(clients ?? 1000), username ?? '', password ?? '') : bareApp();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null && 'port' in address ? Number(address.port) : 0;
  const stop = (): void => {
    void app.close().finally(() => process.exit(0));
  };
  process.on('message', (m) => {
    if (m === 'stop') stop();
    // CPU time used so far (user + system, microseconds), for CPU per request.
    else if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuUs: user + system });
    }
  });
  process.on('disconnect', stop);
  process.send?.({ port });
}

if (process.send) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
