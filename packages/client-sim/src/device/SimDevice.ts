import {
  ContentFormat,
  SystemClock,
  SystemRandom,
  toCoapRequest,
  type Clock,
  type Lwm2mCoapRequest,
  type ObjectRegistry,
  type PeerAddress,
  type Random,
  type RegisterRequest,
  type TimerHandle,
} from '@chainm2m/lwm2m';
import { ClientSimError } from '../ClientSimError.js';
import { populateDevice, populateSensors, type SimProfile } from '../model/deviceProfile.js';
import { SIM_OBJECT_IDS } from '../model/simObjects.js';
import { SimObjectTree } from '../model/SimObjectTree.js';
import { findServerAccount, handleBootstrapRequest, type ServerAccountConfig } from './bootstrapHandler.js';
import type { BootstrapQuirks } from './bootstrapQuirks.js';
import type { Connector, CoapRequestHandler, SimCoapEndpoint, SimCoapEndpointOptions, SimConnection } from './coapShapes.js';
import { parseCoapUri } from './coapUri.js';
import { defaultConnector, defaultEndpointFactory } from './defaults.js';
import { FormatPolicy, type FormatPolicyOptions } from './FormatPolicy.js';
import { registrationObjectLinks } from './linkFormat.js';
import { ManagementHandler } from './ManagementHandler.js';
import { fail, pathIds } from './responses.js';
import { Scheduler } from './Scheduler.js';
import { SleepyTransport } from './SleepyTransport.js';

/** The factory-installed bootstrap account. */
export interface BootstrapAccount {
  /** `coaps://127.0.0.1:5784` (or `coap://` for NoSec). */
  readonly uri: string;
  readonly identity?: string;
  readonly key?: Uint8Array;
}

export interface SimDeviceOptions extends FormatPolicyOptions {
  readonly endpoint: string;
  /** Required for `bootstrap()`; installed as /0/0 (Bootstrap-Server = true), or where `bootstrapQuirks` says. */
  readonly bootstrap?: BootstrapAccount;
  /** Bootstrap-interface behaviours of real clients (see `RealClientProfiles`). */
  readonly bootstrapQuirks?: BootstrapQuirks;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Shared timer heap (one per process for thousands of devices); default: one per device. */
  readonly scheduler?: Scheduler;
  /** How sessions are opened; default DTLS (`DtlsClient`) for coaps and UDP for coap. */
  readonly connector?: Connector;
  /** How CoAP endpoints are made; default `CoapEndpoint` from `@chainm2m/lwm2m`. */
  readonly endpointFactory?: (opts: SimCoapEndpointOptions) => SimCoapEndpoint | Promise<SimCoapEndpoint>;
  /** Whole bootstrap deadline (handshake to Finish), default 30 s. */
  readonly bootstrapTimeoutMs?: number;
  /** Handshake and per-request deadline, default 30 s. */
  readonly requestTimeoutMs?: number;
  /** CoAP ACK timeout (RFC 7252), default the endpoint's. */
  readonly ackTimeoutMs?: number;
  /** Send Update by itself before the lifetime ends (default true). */
  readonly autoUpdate?: boolean;
  /** Update at this fraction of the lifetime (default 0.9). */
  readonly updateAt?: number;
  readonly profile?: SimProfile;
  readonly registry?: ObjectRegistry;
  /**
   * Queue mode (LwM2M 1.1 §6.5): registers with `Q` and sleeps `awakeMs` (default 93 s,
   * MAX_TRANSMIT_WAIT) after it last sent something; requests arriving while asleep are lost.
   */
  readonly queueMode?: { readonly awakeMs?: number };
}

export type SimDeviceEvent =
  | { readonly kind: 'bootstrapped'; readonly durationMs: number }
  | { readonly kind: 'registered'; readonly location: string; readonly durationMs: number }
  | { readonly kind: 'updated'; readonly location: string }
  | { readonly kind: 'updateFailed'; readonly error: Error }
  | { readonly kind: 'deregistered' }
  | { readonly kind: 'reboot' }
  | { readonly kind: 'factoryReset' };

export type SimDeviceState = 'idle' | 'bootstrapping' | 'bootstrapped' | 'registering' | 'registered' | 'stopped';

interface Session {
  readonly conn: SimConnection;
  readonly coap: SimCoapEndpoint;
}

const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));
const enc = new TextEncoder();

/**
 * An Update or De-register goes to the Location the Register got, as given: `/rd/<id>` from an
 * LwM2M server, but a generic CoAP server (libcoap's) answers `/rd`, and clients use it as is.
 */
function atLocation(req: Lwm2mCoapRequest, locationPath: readonly string[]): Lwm2mCoapRequest {
  return { ...req, path: [...locationPath] };
}

let defaultPolicy: FormatPolicy | undefined;

/**
 * A simulated LwM2M 1.1 device: bootstraps over DTLS (serving Bootstrap-Delete/Write/Discover/
 * Finish), registers with the server the bootstrap gave it, keeps the registration alive with
 * Updates on the (injected) clock, and serves device management on objects 0, 1, 3, 3303, 3311.
 */
export class SimDevice {
  readonly endpoint: string;
  private readonly tree: SimObjectTree;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly scheduler: Scheduler;
  private readonly formats: FormatPolicy;
  private readonly management: ManagementHandler;
  private readonly opts: SimDeviceOptions;
  private stateValue: SimDeviceState = 'idle';
  private bsSession: Session | undefined;
  private serverSession: Session | undefined;
  private account: ServerAccountConfig | undefined;
  private locationValue: string | undefined;
  /** The Location-Path of the registration while registered (`['rd', '<id>']` from an LwM2M server). */
  private locationPath: readonly string[] | undefined;
  private updateTimer: TimerHandle | undefined;
  private listeners: Array<(e: SimDeviceEvent) => void> | undefined;
  private updating: Promise<void> | undefined;
  private pendingLifetimeUpdate = false;
  private abortBootstrap: ((e: Error) => void) | undefined;
  private registering: Promise<{ location: string; durationMs: number }> | undefined;
  /** Reboot executions seen (for tests and the CLI). */
  reboots = 0;

  constructor(opts: SimDeviceOptions) {
    if (!opts.endpoint || /[\s&?/]/.test(opts.endpoint)) {
      throw new ClientSimError('SIM_BAD_OPTIONS', 'endpoint name must be non-empty without spaces, &, ? or /');
    }
    this.opts = opts;
    this.endpoint = opts.endpoint;
    this.clock = opts.clock ?? SystemClock;
    this.random = opts.random ?? SystemRandom;
    this.scheduler = opts.scheduler ?? new Scheduler(this.clock);
    const custom = opts.supportedFormats || opts.rejectFormats || opts.rejectCode || opts.preferredFormat !== undefined;
    this.formats = custom ? new FormatPolicy(opts) : (defaultPolicy ??= new FormatPolicy());
    this.tree = new SimObjectTree(SIM_OBJECT_IDS, opts.registry);
    if (opts.bootstrap) {
      const { scheme } = parseCoapUri(opts.bootstrap.uri);
      const bs = opts.bootstrapQuirks?.bootstrapInstanceId ?? 0;
      this.tree.createInstance(0, bs);
      this.tree.set(0, bs, 0, opts.bootstrap.uri);
      this.tree.set(0, bs, 1, true);
      this.tree.set(0, bs, 2, scheme === 'coaps' ? 0 : 3);
      this.tree.set(0, bs, 3, enc.encode(opts.bootstrap.identity ?? ''));
      this.tree.set(0, bs, 4, new Uint8Array());
      this.tree.set(0, bs, 5, opts.bootstrap.key ?? new Uint8Array());
    }
    populateDevice(this.tree, this.endpoint, this.clock, this.random, opts.profile ?? {}, {
      onReboot: () => {
        this.reboots++;
        this.emit({ kind: 'reboot' });
      },
      onFactoryReset: () => this.emit({ kind: 'factoryReset' }),
    });
    this.management = new ManagementHandler({
      tree: this.tree,
      formats: this.formats,
      clock: this.clock,
      scheduler: this.scheduler,
      sampleMs: Math.max(10, opts.profile?.sampleMs ?? 1000),
    });
    this.tree.onChange((o, i, r) => {
      if (o === 1 && i !== undefined && r === undefined && this.tree.hasInstance(1, i) && !this.tree.isExecutable(1, i, 8)) {
        // Registration Update Trigger
        this.tree.setExecutor(1, i, 8, () => {
          if (this.stateValue === 'registered') void this.update().catch((error: Error) => this.emit({ kind: 'updateFailed', error }));
        });
      }
      this.management.changed(o, i, r);
      if (o === 1 && r === 1 && this.stateValue === 'registered') this.lifetimeChanged();
    });
  }

  /** The device's objects and values (read and change them in tests; observers are notified). */
  get objects(): SimObjectTree {
    return this.tree;
  }

  get state(): SimDeviceState {
    return this.stateValue;
  }

  /** Registration location (`/rd/abc`) while registered. */
  get location(): string | undefined {
    return this.locationValue;
  }

  /** The server account in use (after bootstrap or `configureServer`). */
  get serverAccount(): ServerAccountConfig | undefined {
    return this.account ?? findServerAccount(this.tree);
  }

  /** Queue mode: `true` while the device listens (always `true` otherwise). */
  get awake(): boolean {
    const t = this.serverSession?.conn.transport;
    return t instanceof SleepyTransport ? t.awake : true;
  }

  /** Live observations served to the LwM2M server. */
  get observationCount(): number {
    return this.management.observationCount;
  }

  /**
   * Moves the LwM2M server session to a new local port mid-session, as a NAT rebinding does; returns
   * the new local address. With DTLS Connection ID the server follows at the device's next message.
   */
  async rebindPort(): Promise<PeerAddress> {
    const rebind = this.serverSession?.conn.rebind;
    if (!rebind) throw new ClientSimError('SIM_NOT_REGISTERED', 'no session that can change its port');
    return rebind();
  }

  /** Local address of the LwM2M server session (where the server's requests arrive). */
  localAddress(): PeerAddress | undefined {
    return this.serverSession?.conn.transport.address();
  }

  /** Subscribes to lifecycle events; returns an unsubscribe function. */
  onEvent(listener: (e: SimDeviceEvent) => void): () => void {
    (this.listeners ??= []).push(listener);
    return () => {
      this.listeners = this.listeners?.filter((l) => l !== listener);
    };
  }

  /**
   * Writes a server account directly (factory provisioning, no bootstrap): /0/1 and /1/0.
   * `uri` coaps:// with identity and key, or coap:// for NoSec.
   */
  configureServer(cfg: { uri: string; identity?: string; key?: Uint8Array; shortServerId?: number; lifetime?: number; binding?: string }): void {
    const { scheme } = parseCoapUri(cfg.uri);
    const ssid = cfg.shortServerId ?? 101;
    const sec = this.tree.instanceIds(0).find((i) => this.tree.get(0, i, 1) !== true) ?? this.tree.freeInstanceId(0);
    if (!this.tree.hasInstance(0, sec)) this.tree.createInstance(0, sec);
    this.tree.set(0, sec, 0, cfg.uri);
    this.tree.set(0, sec, 1, false);
    this.tree.set(0, sec, 2, scheme === 'coaps' ? 0 : 3);
    this.tree.set(0, sec, 3, enc.encode(cfg.identity ?? ''));
    this.tree.set(0, sec, 5, cfg.key ?? new Uint8Array());
    this.tree.set(0, sec, 10, ssid);
    const srv = this.tree.instanceIds(1)[0] ?? 0;
    if (!this.tree.hasInstance(1, srv)) this.tree.createInstance(1, srv);
    this.tree.set(1, srv, 0, ssid);
    this.tree.set(1, srv, 1, cfg.lifetime ?? 300);
    this.tree.set(1, srv, 6, false);
    this.tree.set(1, srv, 7, cfg.binding ?? 'U');
    this.stateValue = this.stateValue === 'idle' ? 'bootstrapped' : this.stateValue;
  }

  private emit(e: SimDeviceEvent): void {
    for (const l of this.listeners ?? []) {
      try {
        l(e);
      } catch {
        // listeners must not break the device
      }
    }
  }

  private assertNotStopped(): void {
    if (this.stateValue === 'stopped') throw new ClientSimError('SIM_STOPPED', 'device stopped');
  }

  private async open(uri: string, identity: string | undefined, key: Uint8Array | undefined, handler: CoapRequestHandler, sleepy = false): Promise<Session> {
    const target = parseCoapUri(uri);
    const connector = this.opts.connector ?? defaultConnector;
    const timeoutMs = this.opts.requestTimeoutMs ?? 30_000;
    const conn = await connector({
      ...target,
      ...(identity === undefined ? {} : { identity }),
      ...(key === undefined ? {} : { key }),
      clock: this.clock,
      random: this.random,
      timeoutMs,
    });
    const factory = this.opts.endpointFactory ?? defaultEndpointFactory;
    const transport = sleepy && this.opts.queueMode ? new SleepyTransport(conn.transport, this.clock, this.opts.queueMode.awakeMs ?? 93_000) : conn.transport;
    try {
      const coap = await factory({
        transport,
        clock: this.clock,
        random: this.random,
        handler,
        requestTimeoutMs: timeoutMs,
        ...(this.opts.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: this.opts.ackTimeoutMs }),
      });
      return { conn: { transport, peer: conn.peer, ...(conn.rebind ? { rebind: conn.rebind } : {}) }, coap };
    } catch (e) {
      await conn.transport.close().catch(() => undefined);
      throw e;
    }
  }

  private static async closeSession(s: Session | undefined): Promise<void> {
    if (!s) return;
    await s.coap.close().catch(() => undefined);
    await s.conn.transport.close().catch(() => undefined);
  }

  /**
   * Client-initiated bootstrap: session to the bootstrap URI, `POST /bs?ep=..&pct=..`, then serves
   * the server's requests until an accepted Bootstrap-Finish. Rejects `SIM_BOOTSTRAP_TIMEOUT`
   * after `bootstrapTimeoutMs`, `SIM_BOOTSTRAP_REFUSED` when `POST /bs` is not answered 2.04.
   */
  async bootstrap(): Promise<{ durationMs: number }> {
    this.assertNotStopped();
    const bs = this.opts.bootstrap;
    if (!bs) throw new ClientSimError('SIM_BAD_OPTIONS', 'no bootstrap account configured');
    if (this.stateValue === 'registered') await this.deregister().catch(() => undefined);
    const t0 = this.clock.now();
    this.stateValue = 'bootstrapping';
    let resolveFinish!: () => void;
    let rejectFinish!: (e: Error) => void;
    const finished = new Promise<void>((res, rej) => {
      resolveFinish = res;
      rejectFinish = rej;
    });
    finished.catch(() => undefined);
    this.abortBootstrap = rejectFinish;
    const timer = this.scheduler.after(this.opts.bootstrapTimeoutMs ?? 30_000, () =>
      rejectFinish(new ClientSimError('SIM_BOOTSTRAP_TIMEOUT', 'bootstrap not finished in time', { details: { endpoint: this.endpoint } })),
    );
    const handler: CoapRequestHandler = async (req) => {
      if (this.stateValue !== 'bootstrapping') return fail('4.05');
      const { response, finished: done } = handleBootstrapRequest(this.tree, this.formats, req, this.opts.bootstrapQuirks);
      if (done) queueMicrotask(resolveFinish);
      return response;
    };
    const opening = this.open(bs.uri, bs.identity, bs.key, handler);
    try {
      const session = await Promise.race([opening, finished.then(() => undefined)]);
      if (!session) throw new ClientSimError('SIM_BOOTSTRAP_TIMEOUT', 'bootstrap not finished in time');
      this.bsSession = session;
      const pct = this.formats.preferred;
      const request = toCoapRequest({ kind: 'bootstrap-request', endpoint: this.endpoint, ...(pct !== undefined ? { preferredContentFormat: pct } : {}) });
      const res = await Promise.race([
        session.coap.request(session.conn.peer, request),
        finished.then(() => undefined),
      ]);
      if (res && res.code !== '2.04') {
        throw new ClientSimError('SIM_BOOTSTRAP_REFUSED', `bootstrap request answered ${res.code}`, { details: { code: res.code } });
      }
      await finished;
      populateSensors(this.tree); // the firmware re-creates its hardware objects if `/` was deleted
      const srv = findServerAccount(this.tree);
      const deviceTime = this.tree.get(3, 0, 13);
      if (srv && typeof deviceTime === 'number') this.tree.set(1, srv.serverInstanceId, 12, deviceTime);
      this.account = srv;
      this.stateValue = 'bootstrapped';
      const durationMs = this.clock.now() - t0;
      this.emit({ kind: 'bootstrapped', durationMs });
      return { durationMs };
    } catch (e) {
      if (this.stateValue === 'bootstrapping') this.stateValue = 'idle';
      // a session that opens after we gave up is closed at once
      if (!this.bsSession) opening.then((late) => SimDevice.closeSession(late), () => undefined);
      throw e;
    } finally {
      timer.cancel();
      this.abortBootstrap = undefined;
      const s = this.bsSession;
      this.bsSession = undefined;
      // let the 2.04 to Bootstrap-Finish leave before the session closes
      void immediate()
        .then(immediate)
        .then(() => SimDevice.closeSession(s));
    }
  }

  /**
   * Registers with the LwM2M server of its own /0 and /1 (`POST /rd?ep=&lt=&lwm2m=1.1&b=`) over a
   * new session; keeps the Location and schedules Updates before the lifetime ends.
   */
  register(): Promise<{ location: string; durationMs: number }> {
    // concurrent calls share one registration
    this.registering ??= this.doRegister().finally(() => {
      this.registering = undefined;
    });
    return this.registering;
  }

  private async doRegister(): Promise<{ location: string; durationMs: number }> {
    this.assertNotStopped();
    const account = findServerAccount(this.tree);
    if (!account) throw new ClientSimError('SIM_NO_SERVER_ACCOUNT', 'no usable LwM2M server account in /0 and /1', { details: { endpoint: this.endpoint } });
    if (this.stateValue === 'registered') await this.deregister().catch(() => undefined);
    await SimDevice.closeSession(this.serverSession);
    this.serverSession = undefined;
    const t0 = this.clock.now();
    this.stateValue = 'registering';
    let session: Session | undefined;
    try {
      session = await this.open(
        account.uri,
        account.identity,
        account.key,
        (req, ctx) =>
          this.stateValue === 'registered' || this.stateValue === 'registering' ? this.management.handle(req, ctx) : Promise.resolve(fail('4.04')),
        true,
      );
      const req: RegisterRequest = {
        kind: 'register',
        endpoint: this.endpoint,
        lifetime: account.lifetime,
        lwm2mVersion: '1.1',
        binding: account.binding,
        queueMode: this.opts.queueMode !== undefined,
        rootPath: '/',
        ...this.objectLinks(),
      };
      const res = await session.coap.request(session.conn.peer, toCoapRequest(req));
      if (res.code !== '2.01' || res.locationPath.length === 0) {
        throw new ClientSimError('SIM_REGISTER_FAILED', `registration answered ${res.code}`, { details: { code: res.code, endpoint: this.endpoint } });
      }
      this.serverSession = session;
      this.account = account;
      this.locationPath = [...res.locationPath];
      this.locationValue = '/' + res.locationPath.join('/');
      this.stateValue = 'registered';
      this.scheduleUpdate();
      const durationMs = this.clock.now() - t0;
      this.emit({ kind: 'registered', location: this.locationValue, durationMs });
      return { location: this.locationValue, durationMs };
    } catch (e) {
      await SimDevice.closeSession(session);
      if (this.stateValue === 'registering') this.stateValue = 'bootstrapped';
      if (e instanceof ClientSimError) throw e;
      throw new ClientSimError('SIM_REGISTER_FAILED', `registration failed: ${(e as Error).message}`, { cause: e, details: { endpoint: this.endpoint } });
    }
  }

  /** The objects the Register (and an Update with objects) names, with the content formats announced. */
  private objectLinks(): Pick<RegisterRequest, 'objectLinks' | 'supportedContentFormats'> {
    const formats = this.formats.announced();
    return { objectLinks: registrationObjectLinks(this.tree), ...(formats.length > 0 ? { supportedContentFormats: formats } : {}) };
  }

  private scheduleUpdate(delayMs?: number): void {
    this.updateTimer?.cancel();
    this.updateTimer = undefined;
    if (this.opts.autoUpdate === false || !this.account) return;
    const lifetimeMs = this.account.lifetime * 1000;
    const at = delayMs ?? Math.max(1000, lifetimeMs * (this.opts.updateAt ?? 0.9));
    this.updateTimer = this.scheduler.after(at, () => {
      this.updateTimer = undefined;
      this.update().catch((error: Error) => {
        this.emit({ kind: 'updateFailed', error });
        if (this.stateValue === 'registered') void this.recover();
      });
    });
  }

  /**
   * The registration was lost (4.04), refused, or the session is dead (timeout, e.g. the server
   * restarted): register again on a new session, retrying with a growing delay.
   */
  private async recover(): Promise<void> {
    if (this.stateValue !== 'registered') return;
    const old = this.serverSession;
    this.serverSession = undefined;
    this.locationValue = undefined;
    this.locationPath = undefined;
    this.management.cancelAll();
    this.stateValue = 'bootstrapped';
    await SimDevice.closeSession(old);
    await this.retryRegister(1);
  }

  private async retryRegister(attempt: number): Promise<void> {
    if (this.stateValue !== 'bootstrapped') return; // stopped, or registered by someone else meanwhile
    try {
      await this.register();
    } catch (error) {
      this.emit({ kind: 'updateFailed', error: error as Error });
      if (attempt >= 8) return;
      this.updateTimer = this.scheduler.after(Math.min(60_000, 1000 * 2 ** attempt), () => {
        this.updateTimer = undefined;
        void this.retryRegister(attempt + 1);
      });
    }
  }

  private lifetimeChanged(): void {
    if (this.pendingLifetimeUpdate) return;
    this.pendingLifetimeUpdate = true;
    queueMicrotask(() => {
      this.pendingLifetimeUpdate = false;
      this.update({ lifetime: true }).catch((error: Error) => this.emit({ kind: 'updateFailed', error }));
    });
  }

  /** Registration Update (`POST /rd/<id>`), with `lt` when the lifetime changed. */
  async update(opts: { lifetime?: boolean; objects?: boolean } = {}): Promise<void> {
    this.assertNotStopped();
    const session = this.serverSession;
    const location = this.locationValue;
    const locationPath = this.locationPath;
    if (this.stateValue !== 'registered' || !session || !location || !locationPath) {
      throw new ClientSimError('SIM_NOT_REGISTERED', 'not registered', { details: { endpoint: this.endpoint } });
    }
    if (this.updating) return this.updating;
    const run = async (): Promise<void> => {
      const account = findServerAccount(this.tree) ?? this.account;
      if (account) this.account = account;
      const request = toCoapRequest({
        kind: 'update',
        registrationId: locationPath[locationPath.length - 1] as string,
        ...(opts.lifetime && account ? { lifetime: account.lifetime } : {}),
        ...(opts.objects ? this.objectLinks() : {}),
      });
      const res = await session.coap.request(session.conn.peer, atLocation(request, locationPath));
      if (res.code !== '2.04') {
        throw new ClientSimError('SIM_UPDATE_FAILED', `update answered ${res.code}`, { details: { code: res.code, endpoint: this.endpoint } });
      }
      this.scheduleUpdate();
      this.emit({ kind: 'updated', location });
    };
    this.updating = run().finally(() => {
      this.updating = undefined;
    });
    return this.updating;
  }

  /**
   * Send (LwM2M 1.1 §6.4.1, `POST /dp`): pushes the current values of `paths` (e.g. `/3303/0/5700`)
   * to the server in SenML (CBOR unless refused, else JSON); `opts.time` (Unix seconds) is sent
   * as the values' base time.
   */
  async send(paths: readonly string[], format?: number, opts: { readonly time?: number } = {}): Promise<void> {
    this.assertNotStopped();
    const session = this.serverSession;
    if (this.stateValue !== 'registered' || !session) {
      throw new ClientSimError('SIM_NOT_REGISTERED', 'not registered', { details: { endpoint: this.endpoint } });
    }
    const targets = paths.map((p) => {
      const ids = pathIds(p.split('/').filter((x) => x !== ''));
      if (!ids || ids.length === 0) throw new ClientSimError('SIM_BAD_OPTIONS', `invalid path '${p}'`);
      return ids;
    });
    const cf = format ?? (this.formats.accepts(ContentFormat.SenmlCbor) ? ContentFormat.SenmlCbor : ContentFormat.SenmlJson);
    const body = this.management.sendPayload(targets, cf, opts.time);
    if (body.code !== '2.05' || !body.payload) {
      throw new ClientSimError('SIM_BAD_OPTIONS', `cannot send ${paths.join(', ')}: ${body.code}`, { details: { code: body.code } });
    }
    const res = await session.coap.request(session.conn.peer, { method: 'POST', path: ['dp'], contentFormat: cf, payload: body.payload });
    if (res.code !== '2.04') {
      throw new ClientSimError('SIM_UPDATE_FAILED', `send answered ${res.code}`, { details: { code: res.code, endpoint: this.endpoint } });
    }
  }

  /** De-register (`DELETE /rd/<id>`), end observations and close the server session. */
  async deregister(): Promise<void> {
    this.assertNotStopped();
    const session = this.serverSession;
    const locationPath = this.locationPath;
    if (this.stateValue !== 'registered' || !session || !locationPath) {
      throw new ClientSimError('SIM_NOT_REGISTERED', 'not registered', { details: { endpoint: this.endpoint } });
    }
    this.updateTimer?.cancel();
    this.updateTimer = undefined;
    this.management.cancelAll();
    try {
      const res = await session.coap.request(session.conn.peer, atLocation(toCoapRequest({ kind: 'deregister', registrationId: locationPath[locationPath.length - 1] as string }), locationPath));
      if (res.code !== '2.02') {
        throw new ClientSimError('SIM_UPDATE_FAILED', `de-register answered ${res.code}`, { details: { code: res.code, endpoint: this.endpoint } });
      }
    } finally {
      this.locationValue = undefined;
      this.locationPath = undefined;
      this.stateValue = 'bootstrapped';
      this.serverSession = undefined;
      await SimDevice.closeSession(session);
      this.emit({ kind: 'deregistered' });
    }
  }

  /** Stops everything without de-registering (timers, observations, sessions). Idempotent. */
  async stop(): Promise<void> {
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'stopped';
    this.abortBootstrap?.(new ClientSimError('SIM_STOPPED', 'device stopped during bootstrap'));
    this.updateTimer?.cancel();
    this.updateTimer = undefined;
    this.management.cancelAll();
    const sessions = [this.bsSession, this.serverSession];
    this.bsSession = undefined;
    this.serverSession = undefined;
    this.locationValue = undefined;
    this.locationPath = undefined;
    await Promise.all(sessions.map((s) => SimDevice.closeSession(s)));
  }
}
