/**
 * Composition of the LwM2M server: DTLS (coaps, default 5684) + CoAP endpoint, optionally plain
 * CoAP (NoSec, default 5683, only when `nosec` is given), the registration handler, the services
 * and revocation. This is the one place that picks implementations; everything is injectable.
 */
import { DtlsServer, UdpTransport, type DtlsServerOptions, type SavedSession } from '@chainm2m/dtls';
import {
  CoapEndpoint,
  ObjectRegistry,
  SystemClock,
  SystemRandom,
  type Clock,
  type CoapEndpointOptions,
  type CoapRequest,
  type CoapResponse,
  type CoapStats,
  type DatagramTransport,
  type EditableRegistrationStore,
  type PeerAddress,
  type Random,
  type Registration,
  type SecurityStore,
} from '@chainm2m/lwm2m';
import type { CoapClientPort } from './coap/CoapPorts.js';
import { DeviceManagementService } from './dm/DeviceManagementService.js';
import type { QueueModeOptions } from './dm/QueueModeGate.js';
import { LatestValues } from './dm/LatestValues.js';
import { SendHandler, type SendStats } from './dm/SendHandler.js';
import { Lwm2mServerEvents } from './events/ServerEvents.js';
import { Interner } from './registration/Interner.js';
import { RegistrationHandler, type NoSecPolicy, type RegistrationHandlerStats } from './registration/RegistrationHandler.js';
import { RegistrationService } from './registration/RegistrationService.js';
import { followPeerMoves } from './registration/followPeerMoves.js';
import { watchRevocations } from './security/RevocationWatcher.js';
import { FileRegistrationStore } from './store/FileRegistrationStore.js';
import type { DeviceProvenance } from './provenance/DeviceProvenance.js';

export type DtlsOptions = Omit<DtlsServerOptions, 'host' | 'port' | 'pskResolver' | 'clock' | 'random'>;
export type CoapOptions = Omit<CoapEndpointOptions, 'transport' | 'clock' | 'random' | 'handler'>;

export interface StartLwm2mServerOptions {
  readonly securityStore: SecurityStore;
  /** Default: `FileRegistrationStore` in `dataDir` (memory-only without `dataDir`). */
  readonly registrationStore?: EditableRegistrationStore;
  readonly dataDir?: string;
  /** Bind address, default `0.0.0.0`. */
  readonly host?: string;
  /** coaps port, default 5684 (0 = ephemeral). */
  readonly port?: number;
  /**
   * Enables plain CoAP (NoSec) on `port` (default 5683), a lab mode: leave it off in production.
   * Endpoints with credentials are refused over NoSec; others only when listed in `endpoints` or
   * with `open`, and at most `maxRegistrations` (default 100) at once.
   */
  readonly nosec?: { readonly port?: number; readonly host?: string } & NoSecPolicy;
  /** Use this transport instead of a DtlsServer (tests); it must report `security.pskIdentity`. */
  readonly secureTransport?: DatagramTransport;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Unix ms; default derived from `clock` (Date.now() at start + clock progress). */
  readonly wallTime?: () => number;
  readonly dtls?: DtlsOptions;
  readonly coap?: CoapOptions;
  readonly objects?: ObjectRegistry;
  /** Default deadline of a device exchange (default 30 s). */
  readonly requestTimeoutMs?: number;
  readonly queueMode?: QueueModeOptions;
  readonly expiryGraceMs?: number;
  /** Provenance recording of device exchanges (see `RecorderDeviceProvenance`). */
  readonly provenance?: DeviceProvenance;
}

export interface Lwm2mServerStats {
  readonly registrations: number;
  readonly handler: RegistrationHandlerStats & { scheduled: number };
  readonly coaps: CoapStats;
  readonly coap?: CoapStats;
  readonly dtls?: ReturnType<DtlsServer['stats']>;
  readonly observations: number;
  readonly send: SendStats;
  /** Present for the default FileRegistrationStore. */
  readonly store?: ReturnType<FileRegistrationStore['stats']>;
}

export interface Lwm2mServer {
  readonly registrations: RegistrationService;
  readonly devices: DeviceManagementService;
  readonly events: Lwm2mServerEvents;
  /** Latest values per endpoint and path, from Send. */
  readonly latestValues: LatestValues;
  /** Bound addresses (`coap` only with NoSec). */
  readonly addresses: { readonly coaps: PeerAddress; readonly coap?: PeerAddress };
  stats(): Promise<Lwm2mServerStats>;
  /** The DTLS server's counters, synchronously (absent with an injected `secureTransport`). */
  dtlsStats?(): ReturnType<DtlsServer['stats']>;
  /** Save and restore of established DTLS sessions across a restart (the records hold secrets: seal them). */
  readonly dtlsSessions?: {
    export(): SavedSession[];
    restore(saved: readonly SavedSession[]): Promise<{ restored: number; skipped: number }>;
  };
  close(): Promise<void>;
}

function derivedWallTime(clock: Clock): () => number {
  const c0 = clock.now();
  const w0 = Date.now();
  return () => w0 + (clock.now() - c0);
}

export async function startLwm2mServer(opts: StartLwm2mServerOptions): Promise<Lwm2mServer> {
  const clock = opts.clock ?? SystemClock;
  const random = opts.random ?? SystemRandom;
  const wallTime = opts.wallTime ?? (opts.clock ? derivedWallTime(clock) : Date.now);
  const events = new Lwm2mServerEvents();
  const interner = new Interner();
  const ownedStore = opts.registrationStore ? undefined : await FileRegistrationStore.open({ ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}), interner });
  const store: EditableRegistrationStore = opts.registrationStore ?? (ownedStore as FileRegistrationStore);
  const host = opts.host ?? '0.0.0.0';
  const cleanups: (() => Promise<void> | void)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // keep closing the rest
      }
    }
  };

  try {
    if (ownedStore) cleanups.push(() => ownedStore.close());
    let dtls: DtlsServer | undefined;
    let secureTransport = opts.secureTransport;
    if (!secureTransport) {
      dtls = await DtlsServer.listen({
        ...opts.dtls,
        host,
        port: opts.port ?? 5684,
        clock,
        random,
        // Only LwM2M-server accounts may open a session with this server.
        pskResolver: async (identity) => {
          const m = await opts.securityStore.getByIdentity(identity);
          return m?.account === 'server' ? m.info.server.key : undefined;
        },
      });
      secureTransport = dtls;
      const d = dtls;
      d.on('handshakeFailed', (e) => {
        events.emit('handshakeFailed', {
          peer: { address: e.peer.address, port: e.peer.port },
          reason: e.reason,
          at: wallTime(),
          ...(e.identity !== undefined ? { identity: e.identity } : {}),
        });
      });
    }
    const handler = new RegistrationHandler({
      store,
      securityStore: opts.securityStore,
      events,
      clock,
      random,
      wallTime,
      ...(opts.nosec ? { noSec: { open: opts.nosec.open === true, endpoints: opts.nosec.endpoints ?? [], ...(opts.nosec.maxRegistrations !== undefined ? { maxRegistrations: opts.nosec.maxRegistrations } : {}) } } : {}),
      interner,
      ...(opts.expiryGraceMs !== undefined ? { expiryGraceMs: opts.expiryGraceMs } : {}),
    });
    const objects = opts.objects ?? new ObjectRegistry();
    const latestValues = new LatestValues();
    const sends = new SendHandler({ registrations: store, securityStore: opts.securityStore, events, latest: latestValues, objects, wallTime });
    cleanups.push(() => sends.close());
    const route = async (req: CoapRequest): Promise<CoapResponse> =>
      RegistrationHandler.matches(req) ? handler.handle(req) : SendHandler.matches(req) ? sends.handle(req) : { code: '4.04' };
    const coaps = new CoapEndpoint({ ...opts.coap, transport: secureTransport, clock, random, handler: route });
    cleanups.push(() => coaps.close());
    let coap: CoapEndpoint | undefined;
    if (opts.nosec) {
      const udp = await UdpTransport.bind({ host: opts.nosec.host ?? host, port: opts.nosec.port ?? 5683, bufferBytes: 4 * 1024 * 1024 });
      coap = new CoapEndpoint({ ...opts.coap, transport: udp, clock, random, handler: route });
      cleanups.push(() => coap?.close());
    }
    await handler.start();
    cleanups.push(() => handler.close());

    const transportFor = (r: Registration): CoapClientPort | undefined => (r.identity !== undefined ? coaps : coap);
    const devices = new DeviceManagementService({
      registrations: store,
      events,
      transportFor,
      clock,
      random,
      wallTime,
      objects,
      ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      ...(opts.queueMode !== undefined ? { queueMode: opts.queueMode } : {}),
      provenance: opts.provenance,
    });
    cleanups.push(() => devices.close());
    const registrations = new RegistrationService({ store, handler, events });
    const stopRevocations = watchRevocations({
      securityStore: opts.securityStore,
      registrations: store,
      handler,
      dropSessionsByIdentity: (identity, reason) => dtls?.dropSessionsByIdentity(identity, reason) ?? 0,
      forgetPeer: (r) => transportFor(r)?.forgetPeer({ address: r.address.address, port: r.address.port }),
    });
    cleanups.push(stopRevocations);
    if (dtls) {
      const follow = followPeerMoves({ securityStore: opts.securityStore, registrations: store, events, forgetPeer: (p) => coaps.forgetPeer(p) });
      dtls.on('peerMoved', (e) => void follow(e).catch(() => {}));
    }

    let closed = false;
    return {
      registrations,
      devices,
      events,
      latestValues,
      addresses: { coaps: coaps.address(), ...(coap ? { coap: coap.address() } : {}) },
      ...(dtls ? { dtlsStats: () => (dtls as DtlsServer).stats() } : {}),
      ...(dtls
        ? { dtlsSessions: { export: () => (dtls as DtlsServer).exportSessions(), restore: (saved: readonly SavedSession[]) => (dtls as DtlsServer).restoreSessions(saved) } }
        : {}),
      async stats() {
        return {
          registrations: await store.count(),
          handler: handler.stats(),
          coaps: coaps.stats(),
          ...(coap ? { coap: coap.stats() } : {}),
          ...(dtls ? { dtls: dtls.stats() } : {}),
          observations: devices.observations().length,
          send: sends.stats(),
          ...(store instanceof FileRegistrationStore ? { store: store.stats() } : {}),
        };
      },
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
