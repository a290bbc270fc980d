import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { deploy } from '@chainm2m/chain-adapter';
import { ensureConsoleBuilt } from '@chainm2m/console';
import { reportBootstrapAnomalies, startBootstrapServer, type BootstrapServer } from '@chainm2m/bootstrap-server';
import { AnomalyReporter, SystemRandom, type AnomalyLog } from '@chainm2m/lwm2m';
import {
  apiEventsFromServer,
  buildApp,
  deviceApiFromServer,
  deviceDataApiFromServer,
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
import { loadModels } from './models.js';
import { dtlsMetricSeries } from './dtlsMetrics.js';
import { persistDtlsSessions } from './dtlsSessions.js';
import { endpointDefaults, hasher, openChainStores, removeRuntime, signerKeyFor, writeRuntime, type ChainStores } from './chain.js';
import { maintainJournal, superviseDevChain, trackHealth, type ChainSupervisor } from './chainSupervisor.js';
import { acquireStackLock } from './stackLock.js';
import { recordBootstrapFailures } from './bootstrapFailures.js';
import { startStackTrust, trustWindowSeconds, type StackTrust } from './trust.js';
import { openStackProvenance } from './provenance.js';

/** How long one part of the stack may take to close on stop before the next is stopped anyway. */
const STOP_PART_MS = 2000;

export type ServiceName = 'bootstrap' | 'server' | 'api';
export const ALL_SERVICES: readonly ServiceName[] = ['bootstrap', 'server', 'api'];

/** Who may register with the LwM2M server over plain CoAP (see lwm2m-server's NoSecPolicy). */
export interface NoSecStackOptions {
  readonly open: boolean;
  readonly endpoints: readonly string[];
  readonly maxRegistrations?: number;
}

export interface StackOptions {
  readonly config: CliConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly services?: readonly ServiceName[];
  /** Plain CoAP listeners (5783/5683) too, a lab mode. Off unless asked. */
  readonly nosec?: NoSecStackOptions;
  /** Where progress lines go. */
  readonly log: (line: string) => void;
  /** Serve the web console at `/` of the API (built on first use). On unless `false`. */
  readonly console?: boolean;
  /** Trust evidence window (`--trust-window`); default CHAINM2M_TRUST_WINDOW or 600 s. */
  readonly trustWindowSeconds?: number;
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
  /** The server as trust evaluator (with the LwM2M server). */
  readonly trust?: StackTrust;
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
  // Each part gets a few seconds to close; one that hangs (a stuck client connection) does not hold
  // the rest, and the chain, started first, still stops last.
  // Parts that persist state (the chain's, the lock) always finish closing.
  const patient = new WeakSet<() => Promise<void>>();
  const stopAll = async (): Promise<void> => {
    for (const close of cleanups.splice(0).reverse()) {
      if (patient.has(close)) {
        await close().catch(() => undefined);
        continue;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_PART_MS)));
      const r = await Promise.race([close().catch(() => undefined), late]);
      clearTimeout(timer);
      if (r === 'late') log(`stopping: a part did not close within ${STOP_PART_MS / 1000} s; going on`);
    }
  };
  try {
    // One stack per data directory (a second `up` would run a second chain on the same state).
    const lock = acquireStackLock(config.dataDir);
    const releaseLock = async (): Promise<void> => lock.release();
    patient.add(releaseLock);
    cleanups.push(releaseLock);
    let devChain: ChainSupervisor | undefined;
    let rpcUrl = config.chainRpcUrl;
    if (!rpcUrl) {
      // The dev chain mines a block per transaction, none on its own: a write would wait forever for a second block.
      if (config.confirmations > 1) throw new CliError('CLI_USAGE', '--confirmations above 1 needs a chain that produces blocks on its own (CHAIN_RPC_URL); the embedded dev chain mines one block per transaction');
      try {
        devChain = await superviseDevChain({ dataDir: config.dataDir, host: '127.0.0.1', port: config.chainPort, log });
      } catch (err) {
        throw new CliError('CLI_FAILED', `cannot start the embedded dev chain on port ${config.chainPort} (${(err as Error).message}); Use --chain-port to pick another port`, { cause: err });
      }
      const stopChain = (): Promise<void> => (devChain as ChainSupervisor).stop();
      patient.add(stopChain);
      cleanups.push(stopChain);
      rpcUrl = devChain.rpcUrl;
      log(`dev chain      ${rpcUrl} (state in ${devChain.current().stateFile})`);
    }
    const privateKey = signerKeyFor(config, devChain !== undefined);
    const deployed = await deploy({ rpcUrl, privateKey, dataDir: config.dataDir });
    log(`contracts      ${deployed.reused ? 'reused' : 'deployed'} (${deployed.path})`);
    const stores = await openChainStores(config, { rpcUrl, privateKey, createSealingKey: true, pollIntervalMs: 200 });
    cleanups.push(() => stores.close());
    const health = trackHealth(stores, devChain);
    cleanups.push(async () => health.stop());
    if (devChain) {
      // After anvil restarted on its last checkpoint: re-send what the journal holds, resync the caches.
      devChain.onRestarted(async () => {
        const signer = stores.connection.signer();
        signer.journal?.forgetMined();
        signer.resetNonce();
        const r = await signer.recover();
        if (r.replayed + r.resent > 0) log(`dev chain      re-sent ${r.replayed + r.resent} journaled transaction(s)`);
        await stores.security.syncNow();
        void stores.anomalies.flush().catch(() => undefined);
      });
    }
    const stopJournal = maintainJournal(stores.connection, { ...(devChain ? { supervisor: devChain } : {}) });
    cleanups.push(async () => stopJournal());

    // Anomalies reach the API's event stream from the chain's events (see `follow` below), so those
    // written by any process (this one, a CLI, another server) are announced, once committed, and
    // count as trust evidence there.
    let announce: ((event: ApiEvent) => void) | undefined;
    let trust: StackTrust | undefined;
    let recordAnomaly: ((a: { endpoint: string; kind: string; value: string }) => void) | undefined = undefined;
    const anomalies: AnomalyLog = stores.anomalies;

    const users = new UserService(stores.users, hasher);
    let generatedAdminPassword: string | undefined;
    let adminCreated = false;
    // The first admin, once, by the process that serves the API (a bootstrap-only container does not).
    if (services.has('api') && !(await stores.users.get('admin'))) {
      const password = env['CHAINM2M_ADMIN_PASSWORD'] || (generatedAdminPassword = randomBytes(15).toString('base64url'));
      await users.add({ username: 'admin', role: 'admin', clearance: 255, password });
      adminCreated = true;
    } else if (services.has('api') && env['CHAINM2M_ADMIN_PASSWORD'] && !(await users.authenticate('admin', env['CHAINM2M_ADMIN_PASSWORD']))) {
      // The variable only sets the first admin's password; a later change of it would silently do nothing.
      log('warning        CHAINM2M_ADMIN_PASSWORD is not the password of the existing admin user, which is kept;');
      log('               change it with `chainm2m users passwd admin` (or PUT /api/users/admin)');
    }

    const ports: Stack['ports'] = { ...(devChain ? { chain: Number(new URL(rpcUrl).port) } : {}) };
    // Made once the servers are bound: new endpoints are told the ports actually in use.
    const endpointService = (): EndpointService =>
      new EndpointService(stores.security, endpointDefaults(config, env, ports), SystemRandom, stores.connection.address ?? 'chainm2m');
    // One writer of the provenance log: the process serving the LwM2M server (and bootstrap, when in the same process).
    const provenance = services.has('server') ? await openStackProvenance({ dataDir: config.dataDir, env, connection: stores.connection, rpcUrl: rpcUrl as string, security: stores.security, log }) : undefined;
    if (provenance) {
      const closeProvenance = (): Promise<void> => provenance.close();
      patient.add(closeProvenance);
      cleanups.push(closeProvenance);
    }
    recordAnomaly = provenance?.recordAnomaly;
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
      if (provenance) provenance.recordBootstrap(bootstrap.events);
      cleanups.push(async () => reporting.stop());
      // Every failed bootstrap: a log line, and the latest in the data dir for `chainm2m status`.
      const failures = recordBootstrapFailures(bootstrap.events, { dataDir: config.dataDir, log });
      cleanups.push(async () => failures.stop());
      ports.bootstrap = bootstrap.address.port;
      log(`bootstrap      coaps://${config.host}:${bootstrap.address.port}${bootstrap.nosecAddress ? ` and coap://${config.host}:${bootstrap.nosecAddress.port}` : ''}`);
    }
    let lwm2m: Lwm2mServer | undefined;
    let api: ApiApp | undefined;
    let endpoints: EndpointService | undefined;
    if (services.has('server')) {
      const models = loadModels(config.modelsDir);
      if (models.loaded.length > 0) log(`object models  ${models.loaded.length} from ${config.modelsDir}`);
      lwm2m = await startLwm2mServer({
        objects: models.registry,
        ...(provenance ? { provenance: provenance.device } : {}),
        securityStore: stores.security,
        dataDir: join(config.dataDir, 'registrations'),
        host: config.host,
        port: config.coapPort,
        ...(opts.nosec ? { nosec: { ...opts.nosec, port: config.coapPort === 0 ? 0 : config.coapPort - 1 } } : {}),
        dtls: { closeNotify: false }, // devices keep their sessions across a restart (restored below)
      });
      cleanups.push(() => (lwm2m as Lwm2mServer).close());
      if (provenance) provenance.recordEvents(lwm2m.events);
      if (lwm2m.dtlsSessions) {
        const persisted = await persistDtlsSessions({ dataDir: config.dataDir, sealingKey: stores.sealingKey, sessions: lwm2m.dtlsSessions, log });
        // Runs before the server closes (cleanups run in reverse), and always finishes: it saves the sessions.
        const saveSessions = (): Promise<void> => persisted.stop();
        patient.add(saveSessions);
        cleanups.push(saveSessions);
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
      // Refused Sends (not from a registered client, or undecodable) are anomalies too, rate-limited alike.
      lwm2m.events.on('sendRefused', (e) => {
        const endpoint = e.endpoint ?? '(unknown)';
        reporter.report(`${endpoint}|send-${e.reason}|${e.peer.address}`, {
          endpoint,
          collectedAt: Math.floor(e.at / 1000),
          severity: e.reason === 'not-registered' ? 128 : 64,
          kind: 'send-refused',
          value: `send ${e.coapCode}: ${e.message}${e.identity ? `; identity=${e.identity}` : ''}; from ${e.peer.address}:${e.peer.port}`,
        });
      });
      // Failed DTLS handshakes too (the bootstrap server's reporter covers its own).
      const stopFailureReports = reportHandshakeFailures({ events: lwm2m.events, reporter, securityStore: stores.security });
      cleanups.push(async () => stopFailureReports());
      ports.coaps = lwm2m.addresses.coaps.port;
      log(`LwM2M server   coaps://${config.host}:${lwm2m.addresses.coaps.port}${lwm2m.addresses.coap ? ` and coap://${config.host}:${lwm2m.addresses.coap.port}` : ''}`);
      endpoints = endpointService();
      const devices = deviceApiFromServer({ registrations: lwm2m.registrations, devices: lwm2m.devices });
      trust = await startStackTrust({ stores, lwm2m, bootstrap, devices, windowSeconds: opts.trustWindowSeconds ?? trustWindowSeconds(undefined, env), announce: (e) => announce?.(e), log });
      cleanups.push(() => (trust as StackTrust).close());
      if (services.has('api')) {
        const events = apiEventsFromServer(lwm2m.events);
        announce = (e) => events.emit(e);
        const stopFollowing = stores.anomalies.follow(
          (rec) => {
            events.emit({ type: 'anomaly', endpoint: rec.endpoint, data: { ...rec, committed: true } });
            trust?.onAnomaly(rec);
            recordAnomaly?.({ endpoint: rec.endpoint, kind: rec.kind, value: rec.value });
          },
          { pollIntervalMs: 200 },
        );
        cleanups.push(async () => stopFollowing());
        bootstrap?.events.on('failed', (e) => {
          const { peer, ...rest } = e;
          events.emit({ type: 'bootstrap-failed', endpoint: e.endpoint, data: { ...rest, peer: `${peer.address}:${peer.port}` } });
        });
        const bs = bootstrap;
        let registrationCount = 0;
        const refresh = async (): Promise<void> => {
          registrationCount = await lwm2m!.registrations.count();
        };
        for (const ev of ['registered', 'deregistered', 'expired'] as const) lwm2m.events.on(ev, () => void refresh());
        const sends = { accepted: 0, refused: 0 };
        lwm2m.events.on('send', () => void sends.accepted++);
        lwm2m.events.on('sendRefused', () => void sends.refused++);
        const app = await buildApp({
          users,
          endpoints,
          devices: trust.devices,
          deviceData: deviceDataApiFromServer({ devices: lwm2m.devices, latestValues: lwm2m.latestValues }),
          trust: trust.service,
          anomalies,
          events,
          ...(provenance ? { provenance: provenance.api } : {}),
          jwt: {
            keys: { algorithm: 'HS256', secret: jwtSecret(config, env) },
            issuer: 'chainm2m',
            audience: 'chainm2m-api',
            expiresInSec: Number(env['CHAINM2M_JWT_TTL'] ?? 3600) || 3600,
          },
          health: async () => {
            const degraded = health.degraded();
            return {
              ok: degraded.length === 0,
              chain: { rpcUrl: redactUrl(rpcUrl as string), stale: stores.security.isStale(), outbox: stores.anomalies.pending(), journal: stores.connection.signer().journal?.size() ?? 0 },
              registrations: await lwm2m!.registrations.count(),
              degraded,
            };
          },
          ...(bs
            ? {
                counters: {
                  chainm2m_bootstrap_failures_total: { help: 'Bootstrap sessions that ended without an accepted Bootstrap-Finish', read: () => bs.stats().bootstrap.failed },
                  chainm2m_bootstrap_finished_total: { help: 'Bootstrap sessions finished', read: () => bs.stats().bootstrap.finished },
                },
              }
            : {}),
          ...(opts.console !== false ? { consoleDir: await ensureConsoleBuilt(log) } : {}),
          gauges: {
            chainm2m_registrations: { help: 'Current registrations', read: () => registrationCount },
            chainm2m_anomaly_outbox: { help: 'Anomaly records waiting for the chain', read: () => stores.anomalies.pending() },
            chainm2m_chain_stale: { help: '1 when the credential cache could not sync recently', read: () => (stores.security.isStale() ? 1 : 0) },
            chainm2m_sends_total: { help: 'LwM2M Send requests accepted since start', read: () => sends.accepted },
            chainm2m_sends_refused_total: { help: 'LwM2M Send requests refused since start (not registered, undecodable)', read: () => sends.refused },
          },
          series: dtlsMetricSeries({ bootstrap: bootstrap ? () => bootstrap?.stats().dtls : undefined, lwm2m: lwm2m.dtlsStats }),
        });
        await app.listen({ host: config.host, port: config.apiPort });
        api = app;
        cleanups.push(() => app.close());
        ports.api = (app.server.address() as AddressInfo).port;
        log(`REST API       http://${config.host}:${ports.api} (docs at /docs)`);
        if (opts.console !== false) log(`Web console    http://${config.host}:${ports.api}/`);
      }
    }
    endpoints ??= endpointService();
    const runtime = {
      pid: process.pid,
      chainRpcUrl: rpcUrl,
      embeddedChain: devChain !== undefined,
      host: config.host,
      ports,
      startedAt: new Date().toISOString(),
    };
    writeRuntime(config.dataDir, { ...runtime, ...(devChain ? { chainPid: devChain.current().pid } : {}) });
    devChain?.onRestarted(async () => writeRuntime(config.dataDir, { ...runtime, chainPid: (devChain as ChainSupervisor).current().pid }));
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
      ...(trust ? { trust } : {}),
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
