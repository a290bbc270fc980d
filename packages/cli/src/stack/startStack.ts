import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { deploy, startDevChain, type DevChain } from '@chainm2m/chain-adapter';
import { reportBootstrapAnomalies, startBootstrapServer, type BootstrapServer } from '@chainm2m/bootstrap-server';
import { AnomalyReporter, SystemRandom, type AnomalyLog } from '@chainm2m/lwm2m';
import {
  apiEventsFromServer,
  buildApp,
  deviceApiFromServer,
  EndpointService,
  reportHandshakeFailures,
  startLwm2mServer,
  UserService,
  type ApiEvent,
  type Lwm2mServer,
} from '@chainm2m/lwm2m-server';

type ApiApp = Awaited<ReturnType<typeof buildApp>>;
import { CliError } from '../CliError.js';
import type { CliConfig } from '../config.js';
import { dtlsMetricSeries } from './dtlsMetrics.js';
import { persistDtlsSessions } from './dtlsSessions.js';
import { endpointDefaults, hasher, openChainStores, removeRuntime, signerKeyFor, writeRuntime, type ChainStores } from './chain.js';

export type ServiceName = 'bootstrap' | 'server' | 'api';
export const ALL_SERVICES: readonly ServiceName[] = ['bootstrap', 'server', 'api'];

export interface StackOptions {
  readonly config: CliConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly services?: readonly ServiceName[];
  /** Plain CoAP listeners (5783/5683) too. Off unless asked. */
  readonly nosec?: boolean;
  /** Where progress lines go. */
  readonly log: (line: string) => void;
}

export interface Stack {
  readonly chainRpcUrl: string;
  readonly embeddedChain: boolean;
  readonly contracts: Readonly<Record<string, string>>;
  readonly ports: { bootstrap?: number; coaps?: number; api?: number; chain?: number };
  /** Set when this start created the admin user with a generated password (shown once). */
  readonly generatedAdminPassword?: string;
  readonly adminCreated: boolean;
  readonly stores: ChainStores;
  /** Endpoint management on this stack's store (the simulator provisions through it). */
  readonly endpoints: EndpointService;
  readonly lwm2m?: Lwm2mServer;
  readonly bootstrap?: BootstrapServer;
  readonly api?: ApiApp;
  stop(): Promise<void>;
}

function jwtSecret(config: CliConfig, env: Readonly<Record<string, string | undefined>>): string {
  const fromEnv = env['CHAINM2M_JWT_SECRET'];
  if (fromEnv) {
    if (Buffer.byteLength(fromEnv) < 32) throw new CliError('CLI_BAD_INPUT', 'CHAINM2M_JWT_SECRET must be at least 32 characters');
    return fromEnv;
  }
  const path = join(config.dataDir, 'jwt-secret');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * Brings the stack up: the embedded dev chain (unless `CHAIN_RPC_URL`), the contracts (deployed
 * once), the sealing key and the first admin user (created once), then the bootstrap server, the
 * LwM2M server and the REST API. `stop()` closes everything in reverse order.
 */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const { config, env, log } = opts;
  const services = new Set(opts.services ?? ALL_SERVICES);
  if (services.has('api') && !services.has('server')) throw new CliError('CLI_USAGE', "the 'api' service needs the 'server' service in the same process");
  mkdirSync(config.dataDir, { recursive: true });
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    let devChain: DevChain | undefined;
    let rpcUrl = config.chainRpcUrl;
    if (!rpcUrl) {
      try {
        devChain = await startDevChain({ dataDir: config.dataDir, host: '127.0.0.1', port: config.chainPort });
      } catch (err) {
        throw new CliError('CLI_FAILED', `cannot start the embedded dev chain on port ${config.chainPort} (${(err as Error).message}); is another 'chainm2m up' running? Use --chain-port to pick another port`, { cause: err });
      }
      cleanups.push(() => (devChain as DevChain).stop());
      rpcUrl = devChain.rpcUrl;
      log(`dev chain      ${rpcUrl} (state in ${devChain.stateFile})`);
    }
    const privateKey = signerKeyFor(config, devChain !== undefined);
    const deployed = await deploy({ rpcUrl, privateKey, dataDir: config.dataDir });
    log(`contracts      ${deployed.reused ? 'reused' : 'deployed'} (${deployed.path})`);
    const stores = await openChainStores(config, { rpcUrl, privateKey, createSealingKey: true, pollIntervalMs: 200 });
    cleanups.push(() => stores.close());

    // Every appended anomaly (from the API, the CLI in this process, or the refused-attempt
    // reporters) is also announced on the API's event stream once that exists.
    let announce: ((event: ApiEvent) => void) | undefined;
    const anomalies: AnomalyLog = {
      append: async (a) => {
        const r = await stores.anomalies.append(a);
        announce?.({ type: 'anomaly', endpoint: a.endpoint, data: { ...a, ...r } });
        return r;
      },
      appendMany: (a) => stores.anomalies.appendMany(a),
      count: () => stores.anomalies.count(),
      query: (q) => stores.anomalies.query(q),
    };

    const users = new UserService(stores.users, hasher);
    let generatedAdminPassword: string | undefined;
    let adminCreated = false;
    // The first admin, once, by the process that serves the API (a bootstrap-only container does not).
    if (services.has('api') && !(await stores.users.get('admin'))) {
      const password = env['CHAINM2M_ADMIN_PASSWORD'] || (generatedAdminPassword = randomBytes(15).toString('base64url'));
      await users.add({ username: 'admin', role: 'admin', clearance: 255, password });
      adminCreated = true;
    }

    const ports: Stack['ports'] = { ...(devChain ? { chain: Number(new URL(rpcUrl).port) } : {}) };
    // Made once the servers are bound: new endpoints are told the ports actually in use.
    const endpointService = (): EndpointService =>
      new EndpointService(stores.security, endpointDefaults(config, env, ports), SystemRandom, stores.connection.address ?? 'chainm2m');
    let bootstrap: BootstrapServer | undefined;
    if (services.has('bootstrap')) {
      bootstrap = await startBootstrapServer({
        securityStore: stores.security,
        host: config.host,
        port: config.bsPort,
        ...(opts.nosec ? { nosec: { port: config.bsPort === 0 ? 0 : config.bsPort - 1 } } : {}),
      });
      cleanups.push(() => (bootstrap as BootstrapServer).close());
      const reporting = reportBootstrapAnomalies({ events: bootstrap.events, log: anomalies, securityStore: stores.security });
      cleanups.push(async () => reporting.stop());
      ports.bootstrap = bootstrap.address.port;
      log(`bootstrap      coaps://${config.host}:${bootstrap.address.port}${bootstrap.nosecAddress ? ` and coap://${config.host}:${bootstrap.nosecAddress.port}` : ''}`);
    }
    let lwm2m: Lwm2mServer | undefined;
    let api: ApiApp | undefined;
    let endpoints: EndpointService | undefined;
    if (services.has('server')) {
      lwm2m = await startLwm2mServer({
        securityStore: stores.security,
        dataDir: join(config.dataDir, 'registrations'),
        host: config.host,
        port: config.coapPort,
        ...(opts.nosec ? { nosec: { port: config.coapPort === 0 ? 0 : config.coapPort - 1 } } : {}),
        dtls: { closeNotify: false }, // devices keep their sessions across a restart (restored below)
      });
      cleanups.push(() => (lwm2m as Lwm2mServer).close());
      if (lwm2m.dtlsSessions) {
        const persisted = await persistDtlsSessions({ dataDir: config.dataDir, sealingKey: stores.sealingKey, sessions: lwm2m.dtlsSessions, log });
        cleanups.push(() => persisted.stop()); // runs before the server closes (cleanups run in reverse)
      }
      // Refused registrations become anomalies, one per endpoint, reason and source a minute, 60 a minute at most.
      const reporter = new AnomalyReporter({ log: anomalies, maxPerWindow: 60 });
      lwm2m.events.on('unauthorized', (e) => {
        const endpoint = e.endpoint ?? '(unknown)';
        reporter.report(`${endpoint}|${e.reason}|${e.peer.address}`, {
          endpoint,
          collectedAt: Math.floor(e.at / 1000),
          severity: 128,
          kind: 'unauthorized-registration',
          value: `${e.operation}: ${e.reason}${e.identity ? `; identity=${e.identity}` : ''}; from ${e.peer.address}:${e.peer.port}`,
        });
      });
      // Failed DTLS handshakes too (the bootstrap server's reporter covers its own).
      const stopFailureReports = reportHandshakeFailures({ events: lwm2m.events, reporter, securityStore: stores.security });
      cleanups.push(async () => stopFailureReports());
      ports.coaps = lwm2m.addresses.coaps.port;
      log(`LwM2M server   coaps://${config.host}:${lwm2m.addresses.coaps.port}${lwm2m.addresses.coap ? ` and coap://${config.host}:${lwm2m.addresses.coap.port}` : ''}`);
      endpoints = endpointService();
      if (services.has('api')) {
        const events = apiEventsFromServer(lwm2m.events);
        announce = (e) => events.emit(e);
        let registrationCount = 0;
        const refresh = async (): Promise<void> => {
          registrationCount = await lwm2m!.registrations.count();
        };
        for (const ev of ['registered', 'deregistered', 'expired'] as const) lwm2m.events.on(ev, () => void refresh());
        const app = await buildApp({
          users,
          endpoints,
          devices: deviceApiFromServer({ registrations: lwm2m.registrations, devices: lwm2m.devices, security: stores.security }),
          anomalies,
          events,
          jwt: {
            keys: { algorithm: 'HS256', secret: jwtSecret(config, env) },
            issuer: 'chainm2m',
            audience: 'chainm2m-api',
            expiresInSec: Number(env['CHAINM2M_JWT_TTL'] ?? 3600) || 3600,
          },
          health: async () => ({
            ok: !stores.security.isStale(),
            chain: { rpcUrl: redactUrl(rpcUrl as string), stale: stores.security.isStale(), outbox: stores.anomalies.pending() },
            registrations: await lwm2m!.registrations.count(),
          }),
          gauges: {
            chainm2m_registrations: { help: 'Current registrations', read: () => registrationCount },
            chainm2m_anomaly_outbox: { help: 'Anomaly records waiting for the chain', read: () => stores.anomalies.pending() },
            chainm2m_chain_stale: { help: '1 when the credential cache could not sync recently', read: () => (stores.security.isStale() ? 1 : 0) },
          },
          series: dtlsMetricSeries({ bootstrap: bootstrap ? () => bootstrap?.stats().dtls : undefined, lwm2m: lwm2m.dtlsStats }),
        });
        await app.listen({ host: config.host, port: config.apiPort });
        api = app;
        cleanups.push(() => app.close());
        ports.api = (app.server.address() as AddressInfo).port;
        log(`REST API       http://${config.host}:${ports.api} (docs at /docs)`);
      }
    }
    endpoints ??= endpointService();
    writeRuntime(config.dataDir, {
      pid: process.pid,
      chainRpcUrl: rpcUrl,
      embeddedChain: devChain !== undefined,
      host: config.host,
      ports,
      startedAt: new Date().toISOString(),
    });
    cleanups.push(async () => removeRuntime(config.dataDir));
    return {
      chainRpcUrl: rpcUrl,
      embeddedChain: devChain !== undefined,
      contracts: deployed.deployment.addresses,
      ports,
      ...(generatedAdminPassword !== undefined ? { generatedAdminPassword } : {}),
      adminCreated,
      stores,
      endpoints,
      ...(lwm2m ? { lwm2m } : {}),
      ...(bootstrap ? { bootstrap } : {}),
      ...(api ? { api } : {}),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** An RPC URL without credentials or API keys in its path or query. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return '(invalid url)';
  }
}
