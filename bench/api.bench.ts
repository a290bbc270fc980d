/**
 * REST API benchmark: authenticated `GET /api/clients/:ep` beside a bare fastify route.
 *
 * Two child processes serve HTTP on 127.0.0.1 (port 0): the real API (`buildApp` with in-memory
 * stores and 1,000 fake registrations `dev-0` ... `dev-999`), and a bare fastify app (the same
 * fastify) with one trivial JSON route. This process logs in once (`POST /api/auth/login`) and
 * drives the load with autocannon (keep-alive, `CONNECTIONS` connections, one request in flight per
 * connection): after a short warm-up of each, `GET /api/clients/dev-<n>` with the Bearer token (n
 * varies per request), then `GET /bare/dev-<n>`, each for `RUN_SEC`; then the API again with only
 * `LIGHT_CONNECTIONS` connections, for the latency of a server that is not saturated (autocannon's
 * own rate limit sends each second's quota in a burst, so it is not used). Besides requests/s and
 * latency, each server child reports its CPU time, giving CPU per request, which depends much less
 * than throughput on what else the machine runs. Any non-2xx, socket error or timeout fails the
 * benchmark.
 *
 * `API_BENCH_CPU_PROF=<dir>` writes a V8 CPU profile of the API child into <dir>.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { httpLoad, type HttpLoadResult } from './lib/httpLoad.js';
import { report } from './lib/stats.js';

const CLIENTS = Number(process.env.API_BENCH_CLIENTS ?? 1000);
const CONNECTIONS = Number(process.env.API_BENCH_CONNECTIONS ?? 64);
const RUN_SEC = Number(process.env.API_BENCH_SEC ?? 10);
const WARMUP_SEC = Number(process.env.API_BENCH_WARMUP_SEC ?? 2);
const LIGHT_SEC = Number(process.env.API_BENCH_LIGHT_SEC ?? 3);
const LIGHT_CONNECTIONS = Number(process.env.API_BENCH_LIGHT_CONNECTIONS ?? 4);
const CPU_PROF_DIR = process.env.API_BENCH_CPU_PROF;
const TARGET_RATE = 25_000;
const TARGET_P99_MS = 5;
const TARGET_RATIO = 0.5;
const USERNAME = 'bench-reader';

const serverScript = fileURLToPath(new URL('./lib/apiBenchServer.ts', import.meta.url));

interface Server {
  readonly child: ChildProcess;
  readonly origin: string;
}

function startServer(args: readonly string[], env: NodeJS.ProcessEnv, cpuProf: boolean): Promise<Server> {
  const execArgv = ['--import', 'tsx', ...(cpuProf && CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [])];
  const child = fork(serverScript, [...args], { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} server did not start within 30 s`)), 30_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      const port = typeof m === 'object' && m !== null && 'port' in m ? Number(m.port) : 0;
      if (port > 0) resolve({ child, origin: `http://127.0.0.1:${port}` });
      else reject(new Error(`${args[0]} server sent ${JSON.stringify(m)}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} server exited with ${code}`));
    });
  });
}

async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => server.child.once('exit', () => r()));
  server.child.send('stop');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** CPU time (user + system, microseconds) the server child has used so far. */
function cpuUs(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not report its CPU time')), 5000);
    const onMessage = (m: unknown): void => {
      if (typeof m !== 'object' || m === null || !('cpuUs' in m)) return;
      clearTimeout(timer);
      server.child.off('message', onMessage);
      resolve(Number(m.cpuUs));
    };
    server.child.on('message', onMessage);
    server.child.send('cpu');
  });
}

interface Measured {
  readonly load: HttpLoadResult;
  /** Server CPU microseconds per response. */
  readonly cpuUsPerRequest: number;
}

async function measure(server: Server, run: () => Promise<HttpLoadResult>): Promise<Measured> {
  const before = await cpuUs(server);
  const load = await run();
  const after = await cpuUs(server);
  return { load, cpuUsPerRequest: (after - before) / Math.max(1, load.requests) };
}

async function login(origin: string, password: string): Promise<string> {
  const res = await fetch(`${origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: USERNAME, password }),
  });
  const body = (await res.json()) as { token?: unknown };
  if (res.status !== 200 || typeof body.token !== 'string') throw new Error(`login answered ${res.status}`);
  return body.token;
}

/** One request of each kind before the load, so a broken setup fails with a clear message. */
async function checkSetup(api: string, bare: string, token: string): Promise<void> {
  const ep = `dev-${CLIENTS - 1}`;
  const ok = await fetch(`${api}/api/clients/${ep}`, { headers: { authorization: `Bearer ${token}` } });
  const view = (await ok.json()) as { endpoint?: unknown };
  if (ok.status !== 200 || view.endpoint !== ep) throw new Error(`GET /api/clients/${ep} answered ${ok.status} ${JSON.stringify(view)}`);
  const anonymous = await fetch(`${api}/api/clients/${ep}`);
  await anonymous.arrayBuffer();
  if (anonymous.status !== 401) throw new Error(`GET /api/clients/${ep} without a token answered ${anonymous.status}, not 401`);
  const b = await fetch(`${bare}/bare/dev-0`);
  await b.arrayBuffer();
  if (b.status !== 200) throw new Error(`bare route answered ${b.status}`);
}

function failures(name: string, r: HttpLoadResult): string[] {
  const out: string[] = [];
  if (r.non2xx > 0) out.push(`${name}: ${r.non2xx} non-2xx responses ${JSON.stringify(r.status)}`);
  if (r.errors > 0) out.push(`${name}: ${r.errors} socket errors`);
  if (r.timeouts > 0) out.push(`${name}: ${r.timeouts} timeouts`);
  if (r.requests === 0) out.push(`${name}: no responses`);
  return out;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (n: number): string => `${n.toFixed(2)} ms`;
const view = ({ load: r, cpuUsPerRequest }: Measured) => ({
  requests: r.requests,
  serverCpuUsPerRequest: Number(cpuUsPerRequest.toFixed(1)),
  perSec: Math.round(r.perSec),
  latencyMs: { p50: r.latencyMs.p50, p99: r.latencyMs.p99, mean: r.latencyMs.mean, max: r.latencyMs.max },
  status: r.status,
  errors: r.errors,
  timeouts: r.timeouts,
});

async function main(): Promise<void> {
  const password = randomBytes(18).toString('base64url');
  let api: Server | undefined;
  let bare: Server | undefined;
  try {
    [api, bare] = await Promise.all([
      startServer(['api', String(CLIENTS), USERNAME], { API_BENCH_PASSWORD: password }, true),
      startServer(['bare'], {}, false),
    ]);
    const token = await login(api.origin, password);
    await checkSetup(api.origin, bare.origin, token);

    const apiServer = api;
    const bareServer = bare;
    const apiLoad = (durationSec: number, connections = CONNECTIONS) =>
      measure(apiServer, () =>
        httpLoad({
          origin: apiServer.origin,
          path: (n) => `/api/clients/dev-${n % CLIENTS}`,
          headers: { authorization: `Bearer ${token}` },
          connections,
          durationSec,
        }),
      );
    const bareLoad = (durationSec: number) =>
      measure(bareServer, () => httpLoad({ origin: bareServer.origin, path: (n) => `/bare/dev-${n % CLIENTS}`, connections: CONNECTIONS, durationSec }));

    const warm = [await apiLoad(WARMUP_SEC), await bareLoad(WARMUP_SEC)];
    const apiM = await apiLoad(RUN_SEC);
    const bareM = await bareLoad(RUN_SEC);
    const lightM = await apiLoad(LIGHT_SEC, LIGHT_CONNECTIONS);
    const [apiRun, bareRun, light] = [apiM.load, bareM.load, lightM.load];

    const problems = [
      ...failures('api warm-up', (warm[0] as Measured).load),
      ...failures('bare warm-up', (warm[1] as Measured).load),
      ...failures('api', apiRun),
      ...failures('bare', bareRun),
      ...failures('api light', light),
    ];
    const ratio = apiRun.perSec / bareRun.perSec;
    const atTargetRate = apiRun.perSec >= TARGET_RATE;
    const p99Met = atTargetRate && apiRun.latencyMs.p99 < TARGET_P99_MS;
    const ratioMet = ratio > TARGET_RATIO;
    report(
      'api',
      {
        clients: CLIENTS,
        connections: CONNECTIONS,
        runSec: RUN_SEC,
        api: view(apiM),
        bare: view(bareM),
        ratio: Number(ratio.toFixed(3)),
        cpuPerRequestRatio: Number((bareM.cpuUsPerRequest / apiM.cpuUsPerRequest).toFixed(3)),
        light: { connections: LIGHT_CONNECTIONS, runSec: LIGHT_SEC, ...view(lightM) },
        targets: { p99Under5msAt25k: p99Met, ratioAbove0_5: ratioMet, met: p99Met || ratioMet },
        ...(problems.length > 0 ? { problems } : {}),
      },
      [
        `authenticated GET /api/clients/:ep (${CLIENTS} clients, ${CONNECTIONS} connections, ${RUN_SEC} s): ${fmt(apiRun.perSec)} req/s, p50 ${ms(apiRun.latencyMs.p50)}, p99 ${ms(apiRun.latencyMs.p99)}, server CPU ${apiM.cpuUsPerRequest.toFixed(0)} µs/request`,
        `bare fastify GET /bare/:id (same run): ${fmt(bareRun.perSec)} req/s, p50 ${ms(bareRun.latencyMs.p50)}, p99 ${ms(bareRun.latencyMs.p99)}, server CPU ${bareM.cpuUsPerRequest.toFixed(0)} µs/request`,
        `ratio API / bare: ${ratio.toFixed(2)} in requests/s (target > ${TARGET_RATIO}: ${ratioMet ? 'met' : 'not met'}), ${(bareM.cpuUsPerRequest / apiM.cpuUsPerRequest).toFixed(2)} in CPU per request`,
        `API with ${LIGHT_CONNECTIONS} connections: ${fmt(light.perSec)} req/s, p50 ${ms(light.latencyMs.p50)}, p99 ${ms(light.latencyMs.p99)}`,
        `target p99 < ${TARGET_P99_MS} ms at ${fmt(TARGET_RATE)} req/s: ${p99Met ? 'met' : atTargetRate ? 'not met (p99)' : 'not met (rate not reached)'}`,
        ...(problems.length > 0 ? ['FAILED:', ...problems] : [`all ${fmt(apiRun.requests + light.requests)} measured API responses were 2xx`]),
      ],
    );
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await Promise.all([stopServer(api), stopServer(bare)]);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
