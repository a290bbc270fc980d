/**
 * The LwM2M Client Registration interface (TS Core §6.2, Transport §6.4.3): `POST /rd?ep=..`
 * (Register), `POST /rd/<id>` (Update), `DELETE /rd/<id>` (De-register), with the paper's second
 * check: the DTLS PSK identity must be the LwM2M-server identity of the `ep` being registered.
 * Internal: the REST API and the CLI use `RegistrationService`.
 */
import {
  errorResponseCode,
  parseRegistrationLinks,
  parseUplinkRequest,
  type Clock,
  type DeregisterRequest,
  type EditableRegistrationStore,
  type PeerAddress,
  type PeerSecurity,
  type Random,
  type Registration,
  type RegistrationPayload,
  type RegistrationUpdate,
  type RegisterRequest,
  type SecurityStore,
  type TimerHandle,
  type UpdateRequest,
  type UplinkKind,
} from '@chainm2m/lwm2m';
import { Lwm2mServerError } from '../Lwm2mServerError.js';
import type { InboundCoapRequest, OutboundCoapResponse } from '../coap/CoapPorts.js';
import type { DeregistrationReason, Lwm2mServerEvents, UnauthorizedEvent } from '../events/ServerEvents.js';
import { ExpiryQueue } from './ExpiryQueue.js';
import { Interner } from './Interner.js';

export interface RegistrationHandlerOptions {
  readonly store: EditableRegistrationStore;
  readonly securityStore: SecurityStore;
  readonly events: Lwm2mServerEvents;
  readonly clock: Clock;
  readonly random: Random;
  /** Unix ms; timestamps of registrations and the expiry deadline. */
  readonly wallTime: () => number;
  /**
   * Accept requests that carry no DTLS identity (plain CoAP). Only for endpoints that have no
   * credentials in the SecurityStore: anyone on the network can claim any such `ep`. Off by default.
   */
  readonly allowNoSec?: boolean;
  /** Extra time after `lastUpdate + lifetime` before a registration is removed (default 0). */
  readonly expiryGraceMs?: number;
  readonly interner?: Interner;
}

export interface RegistrationHandlerStats {
  registered: number;
  updated: number;
  deregistered: number;
  expired: number;
  unauthorized: number;
  badRequests: number;
  failures: number;
}

const MAX_TIMER_MS = 2 ** 30;
/** What the registration interface serves (Send, `/dp`, is routed elsewhere). */
const REGISTRATION_KINDS: readonly UplinkKind[] = ['register', 'update', 'deregister'];
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function response(code: string, extra: Omit<OutboundCoapResponse, 'code'> = {}): OutboundCoapResponse {
  return { code, ...extra };
}

export class RegistrationHandler {
  private readonly store: EditableRegistrationStore;
  private readonly expiry = new ExpiryQueue<string>();
  private readonly interner: Interner;
  private readonly linkCache = new Map<string, RegistrationPayload>();
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private sweeping = false;
  private sweepAgain = false;
  private closed = false;
  private readonly graceMs: number;
  readonly counters: RegistrationHandlerStats = {
    registered: 0,
    updated: 0,
    deregistered: 0,
    expired: 0,
    unauthorized: 0,
    badRequests: 0,
    failures: 0,
  };

  constructor(private readonly opts: RegistrationHandlerOptions) {
    this.store = opts.store;
    this.interner = opts.interner ?? new Interner();
    this.graceMs = opts.expiryGraceMs ?? 0;
  }

  /** Seeds expiry deadlines from registrations already in the store (after a restart). */
  async start(): Promise<void> {
    const page = 1000;
    for (let offset = 0; ; offset += page) {
      const items = await this.store.list(offset, page);
      for (const r of items) this.expiry.set(r.id, this.deadlineOf(r));
      if (items.length < page) break;
    }
    await this.sweep();
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.expiry.clear();
  }

  stats(): RegistrationHandlerStats & { scheduled: number } {
    return { ...this.counters, scheduled: this.expiry.size };
  }

  /** True when the request is for the registration interface (`/rd...`). */
  static matches(req: Pick<InboundCoapRequest, 'path'>): boolean {
    return req.path[0] === 'rd';
  }

  /** Handles one `/rd` request. Never throws: failures become CoAP error codes. */
  async handle(req: InboundCoapRequest): Promise<OutboundCoapResponse> {
    let op: RegisterRequest | UpdateRequest | DeregisterRequest;
    try {
      // The one parser of uplink requests (rules: the lwm2m package README).
      op = parseUplinkRequest(req, { accept: REGISTRATION_KINDS, links: this.parseLinks }) as RegisterRequest | UpdateRequest | DeregisterRequest;
    } catch (err) {
      return this.refused(err);
    }
    try {
      if (op.kind === 'register') return await this.register(req, op);
      if (op.kind === 'update') return await this.update(req, op);
      return await this.deregister(req, op.registrationId);
    } catch {
      this.counters.failures += 1;
      // The security or registration store is unavailable (e.g. chain down): the client retries.
      return response('5.03', { maxAge: 30 });
    }
  }

  /** Removes a registration on the server's initiative (revocation, admin). */
  async remove(id: string, reason: DeregistrationReason): Promise<Registration | undefined> {
    const removed = await this.store.remove(id);
    if (!removed) return undefined;
    this.expiry.delete(id);
    this.counters.deregistered += 1;
    this.opts.events.emit('deregistered', { registration: removed, reason });
    return removed;
  }

  /** Runs the expiry sweep now (the timer does this by itself). */
  async sweep(): Promise<void> {
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = true;
    try {
      do {
        this.sweepAgain = false;
        const now = this.opts.wallTime();
        const due = this.expiry.popDue(now);
        if (due.length === 0) continue;
        const expired = await this.store.removeExpired(now - this.graceMs);
        for (const r of expired) {
          this.expiry.delete(r.id);
          this.counters.expired += 1;
          this.opts.events.emit('expired', { registration: r });
        }
        // A due id the store did not expire was refreshed meanwhile: re-arm from the store.
        const expiredIds = new Set(expired.map((r) => r.id));
        for (const id of due) {
          if (expiredIds.has(id)) continue;
          const r = await this.store.getById(id);
          if (r) this.expiry.set(id, this.deadlineOf(r));
        }
      } while (this.sweepAgain && !this.closed);
    } finally {
      this.sweeping = false;
      this.arm();
    }
  }

  private deadlineOf(r: Registration): number {
    return r.lastUpdateAt + r.lifetime * 1000 + this.graceMs;
  }

  private arm(): void {
    if (this.closed) return;
    const next = this.expiry.peek();
    if (next === undefined) {
      this.timer?.cancel();
      this.timer = undefined;
      this.timerAt = Infinity;
      return;
    }
    if (this.timer && this.timerAt <= next) return;
    this.timer?.cancel();
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.opts.wallTime()));
    this.timerAt = next;
    this.timer = this.opts.clock.setTimer(delay, () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      void this.sweep();
    });
  }

  private schedule(r: Registration): void {
    this.expiry.set(r.id, this.deadlineOf(r));
    this.arm();
  }

  /** A request the parser refused: its CoAP code, with the reason as diagnostic payload for a 4.00/4.12/4.15. */
  private refused(err: unknown): OutboundCoapResponse {
    const code = errorResponseCode(err);
    if (code === '4.04' || code === '4.05') return response(code);
    if (!code.startsWith('4.')) {
      this.counters.failures += 1;
      return response(code);
    }
    this.counters.badRequests += 1;
    const reason = err instanceof Error ? err.message.slice(0, 200) : 'bad request';
    return response(code, { payload: new TextEncoder().encode(reason) });
  }

  /** Parses a link-format payload; devices of one model send the same one: cached (by its text) and interned. */
  private readonly parseLinks = (payload: Uint8Array): RegistrationPayload => {
    const key = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1');
    const hit = this.linkCache.get(key);
    if (hit) return hit;
    const parsed = parseRegistrationLinks(payload);
    const value: RegistrationPayload = {
      objectLinks: this.interner.links(parsed.objectLinks),
      rootPath: this.interner.str(parsed.rootPath),
      ...(parsed.supportedContentFormats ? { supportedContentFormats: this.interner.formats(parsed.supportedContentFormats) } : {}),
    };
    if (this.linkCache.size >= 256) this.linkCache.clear();
    this.linkCache.set(key, value);
    return value;
  };

  private unauthorized(op: UnauthorizedEvent['operation'], reason: UnauthorizedEvent['reason'], peer: PeerAddress, security: PeerSecurity, endpoint?: string): OutboundCoapResponse {
    this.counters.unauthorized += 1;
    this.opts.events.emit('unauthorized', {
      operation: op,
      reason,
      peer: { address: peer.address, port: peer.port },
      at: this.opts.wallTime(),
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(security.pskIdentity !== undefined ? { identity: security.pskIdentity } : {}),
    });
    return response('4.03');
  }

  /** The paper's second check. `undefined` when the identity may register `endpoint`. */
  private async checkIdentity(endpoint: string, security: PeerSecurity): Promise<UnauthorizedEvent['reason'] | undefined> {
    const identity = security.pskIdentity;
    if (identity === undefined) {
      if (!this.opts.allowNoSec) return 'nosec-disabled';
      // Even with NoSec enabled, an endpoint that has credentials must use them.
      const info = await this.opts.securityStore.getByEndpoint(endpoint);
      return info === undefined ? undefined : 'nosec-for-secured-endpoint';
    }
    const match = await this.opts.securityStore.getByIdentity(identity);
    if (!match) return 'unknown-identity';
    if (match.account !== 'server') return 'bootstrap-identity';
    if (match.info.endpoint !== endpoint) return 'identity-of-other-endpoint';
    return undefined;
  }

  private async newId(): Promise<string> {
    // 8 random bytes -> 8 base32 characters (40 bits); on a collision draw again, longer.
    for (let attempt = 0; attempt < 16; attempt++) {
      const bytes = this.opts.random.bytes(attempt < 4 ? 8 : 16);
      let id = '';
      for (const b of bytes) id += ID_ALPHABET[b & 31];
      if ((await this.store.getById(id)) === undefined) return id;
    }
    throw new Lwm2mServerError('STORE_FAILURE', 'cannot draw a free registration id');
  }

  private async register(req: InboundCoapRequest, params: RegisterRequest): Promise<OutboundCoapResponse> {
    const denied = await this.checkIdentity(params.endpoint, req.security);
    if (denied) return this.unauthorized('register', denied, req.peer, req.security, params.endpoint);
    const now = this.opts.wallTime();
    const registration = this.interner.registration({
      id: await this.newId(),
      endpoint: params.endpoint,
      lifetime: params.lifetime,
      lwm2mVersion: params.lwm2mVersion,
      binding: params.binding,
      queueMode: params.queueMode,
      ...(params.smsNumber !== undefined ? { smsNumber: params.smsNumber } : {}),
      objectLinks: params.objectLinks,
      rootPath: params.rootPath,
      ...(params.supportedContentFormats !== undefined ? { supportedContentFormats: params.supportedContentFormats } : {}),
      address: { address: req.peer.address, port: req.peer.port },
      ...(req.security.pskIdentity !== undefined ? { identity: req.security.pskIdentity } : {}),
      registeredAt: now,
      lastUpdateAt: now,
    });
    const replaced = await this.store.add(registration);
    if (replaced) {
      this.expiry.delete(replaced.id);
      this.opts.events.emit('deregistered', { registration: replaced, reason: 'replaced' });
    }
    this.schedule(registration);
    this.counters.registered += 1;
    this.opts.events.emit('registered', replaced ? { registration, replaced } : { registration });
    if (registration.queueMode) this.opts.events.emit('awake', { registration });
    return response('2.01', { locationPath: ['rd', registration.id] });
  }

  private async owned(op: 'update' | 'deregister', req: InboundCoapRequest, id: string): Promise<Registration | OutboundCoapResponse> {
    const current = await this.store.getById(id);
    if (!current) return response('4.04');
    if (current.identity !== req.security.pskIdentity) {
      return this.unauthorized(op, 'identity-mismatch', req.peer, req.security, current.endpoint);
    }
    return current;
  }

  private async update(req: InboundCoapRequest, p: UpdateRequest): Promise<OutboundCoapResponse> {
    const id = p.registrationId;
    const current = await this.owned('update', req, id);
    if (!('id' in current)) return current;
    if (req.security.pskIdentity !== undefined) {
      // The credentials may have been revoked without a store event (read-only stores): check again.
      const denied = await this.checkIdentity(current.endpoint, req.security);
      if (denied) {
        await this.remove(id, 'revoked');
        return this.unauthorized('update', denied, req.peer, req.security, current.endpoint);
      }
    }
    const address =
      current.address.address === req.peer.address && current.address.port === req.peer.port
        ? undefined
        : this.interner.address(req.peer);
    const update: RegistrationUpdate = {
      id,
      at: this.opts.wallTime(),
      ...(p.lifetime !== undefined ? { lifetime: p.lifetime } : {}),
      ...(p.binding !== undefined ? { binding: this.interner.str(p.binding) } : {}),
      ...(p.smsNumber !== undefined ? { smsNumber: p.smsNumber } : {}),
      ...(p.objectLinks ? { objectLinks: p.objectLinks } : {}),
      ...(address ? { address } : {}),
    };
    const next = await this.store.update(update);
    if (!next) return response('4.04');
    this.schedule(next);
    this.counters.updated += 1;
    this.opts.events.emit('updated', { registration: next, previous: current });
    if (next.queueMode) this.opts.events.emit('awake', { registration: next });
    return response('2.04');
  }

  private async deregister(req: InboundCoapRequest, id: string): Promise<OutboundCoapResponse> {
    const current = await this.owned('deregister', req, id);
    if (!('id' in current)) return current;
    const removed = await this.remove(id, 'client');
    return removed ? response('2.02') : response('4.04');
  }
}
